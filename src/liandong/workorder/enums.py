"""Work order states, request types, domains and urgency."""

from enum import StrEnum


class WorkOrderStatus(StrEnum):
    ACCEPTED = "accepted"  # 受理
    DISPATCHED = "dispatched"  # 派单 (待签收)
    SIGNED = "signed"  # 签收
    IN_PROGRESS = "in_progress"  # 办理中
    EXTENSION_REQUESTED = "extension_requested"  # 延期申请中
    SUSPENDED = "suspended"  # 挂起
    RETURNED = "returned"  # 退回
    COMPLETED = "completed"  # 办结
    VISITED = "visited"  # 回访
    ARCHIVED = "archived"  # 归档
    CANCELLED = "cancelled"  # 作废


class RequestType(StrEnum):
    CONSULTATION = "consultation"  # 咨询
    HELP = "help"  # 求助
    COMPLAINT = "complaint"  # 投诉
    REPORT = "report"  # 举报
    SUGGESTION = "suggestion"  # 建议


REQUEST_TYPE_LABELS = {
    RequestType.CONSULTATION: "咨询",
    RequestType.HELP: "求助",
    RequestType.COMPLAINT: "投诉",
    RequestType.REPORT: "举报",
    RequestType.SUGGESTION: "建议",
}


def parse_request_type(value: object) -> RequestType | None:
    """A request type from its code or its Chinese label (triage reports labels: 咨询 求助 投诉 举报 建议)."""
    if isinstance(value, RequestType):
        return value
    for member, label in REQUEST_TYPE_LABELS.items():
        if value in (member.value, label):
            return member
    return None


class Domain(StrEnum):
    """The five fields of 12345's scope (policy 二(一))."""

    ECONOMIC_REGULATION = "economic_regulation"  # 经济调节
    MARKET_SUPERVISION = "market_supervision"  # 市场监管
    SOCIAL_MANAGEMENT = "social_management"  # 社会管理
    PUBLIC_SERVICE = "public_service"  # 公共服务
    ENVIRONMENTAL_PROTECTION = "environmental_protection"  # 生态环境保护


DOMAIN_LABELS = {
    Domain.ECONOMIC_REGULATION: "经济调节",
    Domain.MARKET_SUPERVISION: "市场监管",
    Domain.SOCIAL_MANAGEMENT: "社会管理",
    Domain.PUBLIC_SERVICE: "公共服务",
    Domain.ENVIRONMENTAL_PROTECTION: "生态环境保护",
}


class Urgency(StrEnum):
    URGENT = "urgent"  # 特急: 2 hours
    IMPORTANT = "important"  # 紧急: 24 hours
    NORMAL = "normal"  # 一般: working days by request type


def parse_domain(value: object) -> Domain | None:
    """A domain from its code or its Chinese label (经济调节 ...)."""
    if isinstance(value, Domain):
        return value
    for member, label in DOMAIN_LABELS.items():
        if value in (member.value, label):
            return member
    return None
