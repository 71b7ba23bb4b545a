"""Channels and request states."""

from enum import StrEnum


class Channel(StrEnum):
    PHONE = "phone"
    WEB = "web"
    APP = "app"
    WECHAT = "wechat"
    SMS = "sms"
    OPEN311 = "open311"
    EMAIL = "email"


class RequestStatus(StrEnum):
    RECEIVED = "received"  # 已接收
    TRANSFERRED = "transferred"  # 已转办, 待对方受理反馈
    REGISTERED = "registered"  # 已登记为工单/警单
    GUIDED = "guided"  # 不属于受理范围, 已引导
    CLOSED = "closed"  # 无效/重复, 已关闭
