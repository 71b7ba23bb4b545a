"""Police incident schemas and action bodies."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from liandong.core.ids import MAX_ID
from liandong.incident.enums import INCIDENT_CATEGORIES
from liandong.intake.schemas import PHONE_PATTERN


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class IncidentBase(_Strict):
    category_code: str = Field(description="警情类别代码 JQLBDM")
    priority: int = Field(default=3, ge=1, le=4)
    confidential: bool = Field(default=False, description="是否保密 SFBM")
    address: str | None = Field(default=None, max_length=500)
    adcode: str | None = Field(default=None, pattern=r"^\d{2,12}$")

    @field_validator("category_code")
    @classmethod
    def _known_category(cls, value: str) -> str:
        if value not in INCIDENT_CATEGORIES:
            raise ValueError(f"unknown 警情类别代码 '{value}'; known: {', '.join(INCIDENT_CATEGORIES)}")
        return value


class IncidentCreate(IncidentBase):
    request_id: int | None = Field(default=None, gt=0, le=MAX_ID)
    content: str | None = Field(
        default=None, min_length=1, max_length=20_000, description="defaults to the request"
    )
    caller_phone: str | None = Field(default=None, pattern=PHONE_PATTERN, max_length=25)
    reported_at: datetime | None = None
    jurisdiction_unit_id: int | None = Field(default=None, gt=0, le=MAX_ID)


class IncidentUpdate(_Strict):
    priority: int | None = Field(default=None, ge=1, le=4)
    confidential: bool | None = None


class IncidentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str | None
    external_number: str | None
    request_id: int | None
    category_code: str
    priority: int
    jurisdiction_unit_id: int | None
    confidential: bool
    status: str
    reported_at: datetime
    caller_phone: str | None = Field(validation_alias="caller_phone_masked")
    address: str | None
    content: str
    adcode: str | None
    dispatched_at: datetime | None
    arrived_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    disposition: str | None
    feedback: str | None
    last_reason: str | None
    allowed_actions: list[str] = []


class DispatchBody(_Strict):
    jurisdiction_unit_id: int = Field(gt=0, le=MAX_ID)
    note: str | None = Field(default=None, max_length=2000)


class NoteBody(_Strict):
    note: str | None = Field(default=None, max_length=2000)


class ResolveBody(_Strict):
    disposition: str = Field(min_length=1, max_length=8000)


class FeedbackBody(_Strict):
    feedback: str = Field(min_length=1, max_length=8000)


class ReasonBody(_Strict):
    reason: str = Field(min_length=1, max_length=2000)


ACTION_BODIES: dict[str, type[_Strict]] = {
    "dispatch": DispatchBody,
    "redispatch": DispatchBody,
    "arrive": NoteBody,
    "resolve": ResolveBody,
    "feedback": FeedbackBody,
    "cancel": ReasonBody,
}
