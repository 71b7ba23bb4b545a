"""Enumerations of the triage domain: platforms, request types and the policy's five domains."""

from enum import StrEnum


class Platform(StrEnum):
    """Which platform takes a request (policy 二(一), 二(二)3)."""

    HOTLINE_12345 = "12345"
    POLICE_110 = "110"
    FIRE_119 = "119"
    MEDICAL_120 = "120"
    TRAFFIC_122 = "122"
    UTILITY = "utility"
    OUT_OF_SCOPE = "out_of_scope"


EMERGENCY_PLATFORMS = frozenset(
    {Platform.POLICE_110, Platform.FIRE_119, Platform.MEDICAL_120, Platform.TRAFFIC_122}
)


class RequestType(StrEnum):
    """诉求类型: the five kinds of request 12345 accepts."""

    CONSULT = "咨询"
    HELP = "求助"
    COMPLAINT = "投诉"
    REPORT = "举报"
    SUGGESTION = "建议"


class Domain(StrEnum):
    """The five fields of 12345's scope (policy 二(一))."""

    ECONOMIC = "经济调节"
    MARKET = "市场监管"
    SOCIAL = "社会管理"
    PUBLIC_SERVICE = "公共服务"
    ENVIRONMENT = "生态环境保护"
