"""Analytics request and response schemas."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from liandong.core.timeutil import as_utc, utcnow

MAX_CALL_STAT_ROWS = 5000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CallStatCreate(_Strict):
    """Calls offered to one hotline number in one clock hour."""

    number: str = Field(pattern=r"^\d{3,20}$", description="hotline number, digits only, e.g. 12345 or 12315")
    platform: Literal["12345", "110", "other"] = "other"
    hour_start: datetime = Field(description="start of the hour, with a time zone")
    offered: int = Field(ge=0, le=1_000_000)
    answered: int = Field(ge=0, le=1_000_000)
    answered_15s: int = Field(default=0, ge=0, le=1_000_000)
    source: str = Field(default="api", min_length=1, max_length=40)

    @field_validator("hour_start")
    @classmethod
    def _on_the_hour(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("hour_start needs a time zone (e.g. +08:00)")
        if value.minute or value.second or value.microsecond:
            raise ValueError("hour_start must be on the hour")
        if as_utc(value) > utcnow() + timedelta(minutes=5):
            raise ValueError("hour_start is in the future")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> CallStatCreate:
        if self.answered > self.offered:
            raise ValueError("answered cannot exceed offered")
        if self.answered_15s > self.answered:
            raise ValueError("answered_15s cannot exceed answered")
        return self


class CallStatBatch(_Strict):
    rows: list[CallStatCreate] = Field(min_length=1, max_length=MAX_CALL_STAT_ROWS)

    @model_validator(mode="after")
    def _unique(self) -> CallStatBatch:
        keys = [(r.number, as_utc(r.hour_start)) for r in self.rows]
        if len(keys) != len(set(keys)):
            raise ValueError("the same number and hour appears twice")
        return self


class KpiRead(BaseModel):
    period: str | None
    platform: str | None
    unit_id: int | None
    region: str | None
    category: str | None
    counts: dict[str, int]
    kpis: dict[str, float | None]


class KpiResponse(BaseModel):
    start: date
    end: date
    group_by: list[str]
    period: str
    items: list[KpiRead]


class HotspotExampleRead(BaseModel):
    id: str
    platform: str
    text: str


class HotspotRead(BaseModel):
    day: date
    region: str
    category: str
    count: int
    expected: float
    p_value: float
    score: float
    by_platform: dict[str, int]
    examples: list[HotspotExampleRead]


class RiskReasonRead(BaseModel):
    code: str
    detail: str
    points: float


class RiskRead(BaseModel):
    key: str
    kind: str
    score: float
    level: str
    record_ids: list[str]
    first_at: datetime
    last_at: datetime
    reasons: list[RiskReasonRead]


class HarassmentScan(_Strict):
    window_hours: int = Field(default=24, ge=1, le=168)
    frequent_calls: int = Field(default=20, ge=2, le=10_000)
    silent_calls: int = Field(default=5, ge=1, le=10_000)
    abusive_calls: int = Field(default=2, ge=1, le=10_000)
    emergency_lookback_days: int = Field(default=30, ge=1, le=365)


class HarassmentReview(_Strict):
    action: Literal["confirm", "reject", "revoke"]
    note: str = Field(default="", max_length=2000)
    ttl_days: int = Field(default=90, ge=1, le=365)


class HarassmentFlagRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    caller_hash: str
    caller_masked: str | None
    status: str
    reasons: list[Any]
    evidence: dict[str, Any]
    restriction_allowed: bool
    reviewer: str | None
    note: str | None
    reviewed_at: datetime | None
    expires_at: datetime | None
    created_at: datetime
    allowed_actions: list[str] = []


class SeatNotice(BaseModel):
    """What the seat sees for an incoming number; never a reason to drop or block the call."""

    flagged: bool
    notice: str | None
    flag_id: int | None = None
    block: Literal[False] = False


class StaffingIntervalRead(BaseModel):
    start: datetime
    arrivals: float
    agents: int
    service_level: float
    p_abandon: float | None


class SurgePlanRead(BaseModel):
    surge: float
    peak_agents: int
    seat_hours: float
    intervals: list[StaffingIntervalRead]


class StaffingRead(BaseModel):
    platform: str
    start: date
    days: int
    history_days: int
    aht_seconds: float
    patience_seconds: float | None
    plans: list[SurgePlanRead]


class MergerRead(BaseModel):
    number: str
    advice: str
    offered: int
    answered: int
    answer_rate: float | None
    uncovered_hours: list[int]
    unobserved_hours: list[int]
    reasons: list[str]


class EvaluationRequest(_Strict):
    """An evaluation over a period, with the default index system or one given as YAML/JSON text."""

    platform: Literal["12345", "110"]
    start: date
    end: date
    unit_id: int | None = Field(default=None, gt=0)
    adcode: str | None = Field(default=None, pattern=r"^\d{2,6}$")
    config: str | None = Field(default=None, max_length=256 * 1024, description="index system YAML or JSON")
    format: Literal["json", "html", "pdf"] = "json"


class OpenDataRow(BaseModel):
    """One aggregated, de-identified cell; `value` is None where suppressed (fewer than 5)."""

    model_config = ConfigDict(extra="allow")
