"""Versioned exchange messages (v1). JSON field names are the codes deployed 110 and 12345 systems use."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

VERSION = "1"
ADCODE = r"^\d{6}(\d{3}(\d{3})?)?$"
PLATFORM = Literal["12345", "110", "119", "120", "122", "utility"]


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, str_strip_whitespace=True)


class RequestMessage(_Message):
    """诉求: a request as one platform hands it to another."""

    number: str = Field(max_length=40, description="诉求编号")
    channel: Literal["phone", "web", "app", "wechat", "sms", "open311", "email"]
    received_at: datetime = Field(description="受理/报警时间")
    received_by: Literal["12345", "110"] = Field(description="首先接到诉求的平台")
    content: str = Field(min_length=1, max_length=20_000, description="诉求内容")
    caller_phone: str | None = Field(default=None, max_length=25, description="来电号码")
    caller_name: str | None = Field(default=None, max_length=80)
    location_text: str | None = Field(default=None, max_length=500)
    adcode: str | None = Field(default=None, pattern=ADCODE, description="行政区划代码 XZQHDM")


class PoliceIncidentMessage(_Message):
    """警单 in the field codes of deployed 110 systems."""

    JJDBH: str = Field(max_length=40, description="接警单编号")
    BJSJ: datetime = Field(description="报警时间")
    BJDH: str | None = Field(default=None, max_length=25, description="报警电话")
    BJDZ: str | None = Field(default=None, max_length=500, description="报警地址")
    BJNR: str = Field(min_length=1, max_length=20_000, description="报警内容")
    JQLBDM: str = Field(max_length=12, description="警情类别代码")
    XZQHDM: str | None = Field(default=None, pattern=ADCODE, description="行政区划代码")
    GXDWDM: str | None = Field(default=None, max_length=40, description="管辖单位代码")
    SFBM: Literal["0", "1"] = Field(default="0", description="是否保密: 1 保密")
    status: Literal["received", "dispatched", "on_scene", "resolved", "closed", "cancelled"] = "received"


class WorkOrderMessage(_Message):
    """工单 in the field codes of 12345 systems."""

    FLOWID: str = Field(max_length=40, description="工单编号")
    request_type: Literal["consultation", "help", "complaint", "report", "suggestion"]
    category: str | None = Field(default=None, max_length=80)
    HANDLEBMNAME: str | None = Field(default=None, max_length=120, description="承办单位名称")
    due_at: datetime | None = None
    status: str = Field(max_length=24)


class TransferMessage(_Message):
    """转办: one platform hands a request to another (一键转接 / 线上转交)."""

    transfer_id: str = Field(min_length=8, max_length=64)
    from_platform: PLATFORM
    to_platform: PLATFORM
    emergency: bool = False
    reason: str = Field(min_length=1, max_length=2000)
    request: RequestMessage
    call_context: str | None = Field(default=None, max_length=20_000, description="通话记录/转写/备注")
    triage: dict[str, object] | None = None
    respond_by: datetime | None = Field(default=None, description="受理反馈期限")


class AcceptanceFeedback(_Message):
    """受理反馈: the receiver accepts or refuses a transfer."""

    transfer_id: str = Field(min_length=8, max_length=64)
    accepted: bool
    reason: str | None = Field(default=None, max_length=2000, description="拒收理由 (required when refused)")
    receiver_number: str | None = Field(default=None, max_length=40, description="接收方工单/警单编号")
    responded_at: datetime


class CompletionFeedback(_Message):
    """办结反馈: the handling side reports the outcome."""

    FLOWID: str = Field(max_length=40, description="工单或警单编号")
    HANDLEBMNAME: str = Field(max_length=120, description="承办单位名称")
    HANDLEOPINION: str = Field(min_length=1, max_length=8000, description="办理意见")
    HANDLETIME: datetime = Field(description="办结时间")


class VisitMessage(_Message):
    """回访: the caller's satisfaction with the handling."""

    FLOWID: str = Field(max_length=40)
    HFSJ: datetime = Field(description="回访时间")
    satisfaction: int = Field(ge=1, le=5, description="满意度 1-5")
    note: str | None = Field(default=None, max_length=2000)


class StatusUpdate(_Message):
    """状态同步: the handling side's 工单/警单 changed state."""

    transfer_id: str = Field(min_length=8, max_length=64)
    number: str = Field(max_length=40, description="工单或警单编号")
    action: str = Field(min_length=1, max_length=32)
    status: str = Field(min_length=1, max_length=24)
    at: datetime
    note: str | None = Field(default=None, max_length=2000)


class SupervisionMessage(_Message):
    """督办: a supervision notice on the handling side's record."""

    transfer_id: str = Field(min_length=8, max_length=64)
    number: str = Field(max_length=40)
    at: datetime
    note: str | None = Field(default=None, max_length=2000)


MESSAGE_TYPES = (
    "transfer",
    "acceptance-feedback",
    "status-update",
    "completion-feedback",
    "visit",
    "supervision",
)


class Envelope(_Message):
    """The signed wrapper of every message between nodes; signature = HMAC-SHA256 over the rest."""

    version: Literal["1"]
    message_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    type: Literal[
        "transfer", "acceptance-feedback", "status-update", "completion-feedback", "visit", "supervision"
    ]
    sender: str = Field(min_length=1, max_length=64)
    recipient: str = Field(min_length=1, max_length=64)
    sent_at: datetime
    order_key: str = Field(min_length=8, max_length=64)
    seq: int = Field(ge=1, le=1_000_000, strict=True)  # "1" is a sender bug, not a number to coerce
    payload: dict[str, object]
    signature: str = Field(pattern=r"^[0-9a-f]{64}$")


SCHEMAS: dict[str, type[_Message]] = {
    "request": RequestMessage,
    "police-incident": PoliceIncidentMessage,
    "work-order": WorkOrderMessage,
    "transfer": TransferMessage,
    "acceptance-feedback": AcceptanceFeedback,
    "completion-feedback": CompletionFeedback,
    "visit": VisitMessage,
    "status-update": StatusUpdate,
    "supervision": SupervisionMessage,
    "envelope": Envelope,
}
