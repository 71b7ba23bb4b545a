"""Work order schemas and the body of each lifecycle action."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from liandong.core.ids import MAX_ID
from liandong.workorder.enums import Domain, RequestType, Urgency


class WorkOrderBase(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    request_type: RequestType
    domain: Domain | None = None
    category: str | None = Field(default=None, max_length=80)
    urgency: Urgency = Urgency.NORMAL
    summary: str | None = Field(default=None, max_length=4000, description="defaults to the request content")


class WorkOrderCreate(WorkOrderBase):
    request_id: int = Field(gt=0, le=MAX_ID)
    handling_unit_id: int | None = Field(default=None, gt=0, description="dispatch at once to this unit")


class WorkOrderUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    domain: Domain | None = None
    category: str | None = Field(default=None, max_length=80)
    urgency: Urgency | None = None


class WorkOrderRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str | None
    request_id: int
    request_type: str
    domain: str | None
    category: str | None
    urgency: str
    status: str
    handling_unit_id: int | None
    adcode: str | None
    summary: str
    accepted_at: datetime
    due_at: datetime
    dispatched_at: datetime | None
    signed_at: datetime | None
    completed_at: datetime | None
    visited_at: datetime | None
    archived_at: datetime | None
    handle_opinion: str | None
    satisfaction: int | None
    visit_note: str | None
    extension_until: datetime | None
    last_reason: str | None
    reopen_count: int
    supervision_count: int
    allowed_actions: list[str] = []


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class NoteBody(_Body):
    note: str | None = Field(default=None, max_length=2000)


class UnitBody(_Body):
    handling_unit_id: int = Field(gt=0, le=MAX_ID)
    note: str | None = Field(default=None, max_length=2000)


class ReasonBody(_Body):
    reason: str = Field(min_length=1, max_length=2000)


class ReassignBody(ReasonBody):
    handling_unit_id: int = Field(gt=0, le=MAX_ID)


class ExtensionBody(ReasonBody):
    until: datetime


class CompleteBody(_Body):
    opinion: str = Field(min_length=1, max_length=8000, description="办理意见 HANDLEOPINION")


class VisitBody(_Body):
    satisfaction: int = Field(ge=1, le=5, description="1 very unsatisfied .. 5 very satisfied")
    note: str | None = Field(default=None, max_length=2000)


class SuperviseBody(ReasonBody):
    respond_by: datetime | None = None


ACTION_BODIES: dict[str, type[_Body]] = {
    "dispatch": UnitBody,
    "reassign": ReassignBody,
    "sign": NoteBody,
    "return": ReasonBody,
    "start": NoteBody,
    "request_extension": ExtensionBody,
    "approve_extension": NoteBody,
    "reject_extension": ReasonBody,
    "suspend": ReasonBody,
    "resume": NoteBody,
    "complete": CompleteBody,
    "visit": VisitBody,
    "reopen": ReasonBody,
    "archive": NoteBody,
    "supervise": SuperviseBody,
    "cancel": ReasonBody,
}
