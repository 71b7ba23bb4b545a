"""Linkage schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from liandong.core.ids import MAX_ID
from liandong.workorder.enums import Domain, RequestType, Urgency

TransferTarget = Literal["12345", "110", "119", "120", "122", "utility"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TransferCreate(_Strict):
    request_id: int = Field(gt=0, le=MAX_ID)
    to_platform: TransferTarget
    reason: str = Field(min_length=1, max_length=2000)
    mode: Literal["phone", "online"] = "phone"
    call_context: str | None = Field(default=None, max_length=20_000, description="通话记录/转写/备注")
    emergency: bool | None = Field(default=None, description="defaults to the request's triage decision")
    from_platform: Literal["12345", "110"] | None = None


class TransferAccept(_Strict):
    note: str | None = Field(default=None, max_length=2000)
    request_type: RequestType | None = Field(default=None, description="for a 12345 work order")
    category: str | None = Field(default=None, max_length=80)
    domain: Domain | None = None
    urgency: Urgency = Urgency.NORMAL
    handling_unit_id: int | None = Field(default=None, gt=0, le=MAX_ID)
    category_code: str | None = Field(default=None, description="for a 110 incident (警情类别代码)")
    jurisdiction_unit_id: int | None = Field(default=None, gt=0, le=MAX_ID)


class TransferRefuse(_Strict):
    reason: str = Field(min_length=1, max_length=2000)


class TransferRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    transfer_uid: str
    request_id: int
    from_platform: str
    to_platform: str
    mode: str
    emergency: bool
    reason: str
    call_context: str | None
    triage: dict[str, Any] | None
    status: str
    respond_by: datetime
    responded_at: datetime | None
    response_reason: str | None
    work_order_id: int | None
    incident_id: int | None
    completion_opinion: str | None
    completed_at: datetime | None
    created_at: datetime


class NegotiationCreate(_Strict):
    request_id: int = Field(gt=0, le=MAX_ID)
    reason: str = Field(min_length=1, max_length=2000)
    transfer_id: int | None = Field(default=None, gt=0, le=MAX_ID)
    emergency: bool | None = None
    minutes: int | None = Field(default=None, ge=1, le=24 * 60, description="deadline; default from settings")


class NoteCreate(_Strict):
    party: Literal["caller", "12345", "110"]
    text: str = Field(min_length=1, max_length=4000)


class NegotiationDecide(_Strict):
    platform: Literal["12345", "110"]
    note: str | None = Field(default=None, max_length=2000)


class NoteRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    party: str
    author: str
    text: str
    created_at: datetime


class NegotiationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    request_id: int
    transfer_id: int | None
    status: str
    reason: str
    first_receiver: str
    deadline: datetime
    emergency: bool
    predispatch_incident_id: int | None
    outcome_platform: str | None
    work_order_id: int | None
    incident_id: int | None
    decided_at: datetime | None
    notes: list[NoteRead] = []


class HandoverCreate(_Strict):
    """110 hands the underlying matter of an incident to 12345 as a work order."""

    reason: str = Field(min_length=1, max_length=2000)
    request_type: RequestType = RequestType.HELP
    category: str | None = Field(default=None, max_length=80)
    domain: Domain | None = None
    handling_unit_id: int | None = Field(default=None, gt=0, le=MAX_ID)


class PoliceReferral(_Strict):
    """A stability clue from 12345, or a unit's escalation of a worsening dispute, to 110."""

    reason: str = Field(min_length=1, max_length=2000)
    category_code: str = Field(default="08", description="警情类别代码")
    priority: int = Field(default=2, ge=1, le=4)


class CoHandlersSet(_Strict):
    unit_ids: list[int] = Field(min_length=1, max_length=20)


class CoHandlerOpinion(_Strict):
    opinion: str = Field(min_length=1, max_length=8000)


class LinkedRecord(BaseModel):
    kind: str
    work_order_id: int | None = None
    work_order_number: str | None = None
    work_order_status: str | None = None
    incident_id: int | None = None
    incident_number: str | None = None
    incident_status: str | None = None
    note: str | None = None
    created_at: datetime


class ActivationCreate(_Strict):
    plan_code: str = Field(min_length=1, max_length=40)
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=8000)
    adcode: str | None = Field(default=None, pattern=r"^\d{2,12}$")
    remote_seats: int = Field(
        default=0, ge=0, le=1000, description="remote seats requested from the upper level"
    )


class NotificationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    organisation_id: int
    message: str
    status: str
    delivered_at: datetime | None
    acknowledged_at: datetime | None


class ActivationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    plan_code: str
    title: str
    description: str
    adcode: str | None
    status: str
    surge_mode: bool
    remote_seats_requested: int
    activated_at: datetime
    closed_at: datetime | None
    notifications: list[NotificationRead] = []


class GuidanceCreate(_Strict):
    request_id: int = Field(gt=0, le=MAX_ID)
    guidance_id: str = Field(min_length=1, max_length=80, description="a guidance script of the item list")
    note: str | None = Field(default=None, max_length=2000)
