"""Linkage states and kinds."""

from enum import StrEnum


class TransferStatus(StrEnum):
    PENDING = "pending"  # 待受理
    ACCEPTED = "accepted"  # 已受理
    REFUSED = "refused"  # 拒收, back to the sender with the reason
    EXPIRED = "expired"  # 超时未反馈, back to the sender
    CANCELLED = "cancelled"


class TransferMode(StrEnum):
    PHONE = "phone"  # 一键转接
    ONLINE = "online"  # 线上转交


class NegotiationStatus(StrEnum):
    OPEN = "open"
    AGREED = "agreed"  # 协商确定受理平台
    FALLBACK = "fallback"  # 协商不成, 首接平台先行受理
    CANCELLED = "cancelled"


class LinkKind(StrEnum):
    TRANSFER = "transfer"  # 转办
    HANDOVER = "handover"  # 110 处警后移交 12345 (日常联动)
    CLUE = "clue"  # 12345 移交影响社会稳定线索
    ESCALATION = "escalation"  # 承办单位联动 110 派警
    PREDISPATCH = "predispatch"  # 协商期间 110 先行处置


class ActivationStatus(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


class NotificationStatus(StrEnum):
    """A hotline notified under an emergency plan (预案)."""

    PENDING = "pending"
    DELIVERED = "delivered"
    ACKNOWLEDGED = "acknowledged"


class ConsultationStatus(StrEnum):
    OPEN = "open"  # 待会商
    DECIDED = "decided"  # 会商确定, written into the item list
