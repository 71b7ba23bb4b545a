"""Supervision schemas."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from liandong.core.ids import MAX_ID


class SupervisionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    work_order_id: int = Field(gt=0, le=MAX_ID)
    reason: str = Field(min_length=1, max_length=2000)
    respond_within_hours: int = Field(default=24, ge=1, le=24 * 30)


class SupervisionResponse(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    response: str = Field(min_length=1, max_length=8000)


class SupervisionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    work_order_id: int
    unit_id: int | None
    kind: str
    deadline: datetime
    reason: str
    status: str
    respond_by: datetime | None
    response: str | None
    responded_at: datetime | None
    issued_by: str
    issued_at: datetime


class SweepResult(BaseModel):
    reminders: int
    overdue: int
    transfers_expired: int
    negotiations_fallback: int
