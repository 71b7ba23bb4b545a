"""Call and transcription schemas: the CTI event format (docs/cti.md) and the read models."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from liandong.core.enums import ReceivingPlatform
from liandong.core.timeutil import utcnow
from liandong.intake.schemas import PHONE_PATTERN
from liandong.speech.enums import CallDirection, CallEventType

MAX_BATCH = 1000
# PBX ids: FreeSWITCH UUIDs, Asterisk "1700000000.42", vendor ids with ':' '@' '/'.
CALL_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@+/\-]{0,127}$"
SOURCE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$"
# Seat, queue and target names: letters (Chinese too), digits and a few separators; no markup, no controls.
LABEL_PATTERN = r"^[\w.:@+#*/\- ]+$"
DIALLED_PATTERN = r"^[0-9*#+]{1,32}$"
WITHHELD = {"", "anonymous", "unknown", "private", "restricted", "withheld", "unavailable"}
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


class CallEventIn(BaseModel):
    """One CTI event from a PBX; see docs/cti.md for the field meanings and PBX mappings."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    event: CallEventType
    call_id: str = Field(pattern=CALL_ID_PATTERN, max_length=128, description="the PBX's call id")
    source: str = Field(pattern=SOURCE_PATTERN, max_length=64, description="which PBX / call centre")
    timestamp: AwareDatetime = Field(description="when it happened, ISO 8601 with a UTC offset")
    number: str | None = Field(default=None, max_length=25, description="the caller's number")
    dialled: str | None = Field(default=None, pattern=DIALLED_PATTERN, description="hotline number dialled")
    platform: ReceivingPlatform | None = Field(default=None, description="12345 or 110; from `dialled`")
    direction: CallDirection | None = None
    seat: str | None = Field(default=None, pattern=LABEL_PATTERN, max_length=64)
    queue: str | None = Field(default=None, pattern=LABEL_PATTERN, max_length=64)
    target: str | None = Field(default=None, pattern=LABEL_PATTERN, max_length=128)

    @field_validator("number", mode="before")
    @classmethod
    def _withheld_is_none(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() in WITHHELD:
            return None
        return value

    @field_validator("number")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(PHONE_PATTERN, value):
            raise ValueError("number must be digits (with an optional +, spaces or dashes)")
        return value

    @field_validator("timestamp")
    @classmethod
    def _plausible_time(cls, value: datetime) -> datetime:
        if value > utcnow() + timedelta(minutes=5):
            raise ValueError("timestamp is in the future (check the PBX clock and UTC offset)")
        if value < EARLIEST:
            raise ValueError("timestamp is before 2000")
        return value

    @model_validator(mode="after")
    def _target_for_transfers(self) -> CallEventIn:
        if self.event in (CallEventType.TRANSFERRED, CallEventType.CONFERENCED) and not self.target:
            raise ValueError(f"a '{self.event.value}' event needs a target")
        return self


CallEventBatch = Annotated[list[CallEventIn], Field(min_length=1, max_length=MAX_BATCH)]


class IngestResult(BaseModel):
    accepted: int = Field(description="new events stored")
    duplicates: int = Field(description="events already stored (same source, call_id, event, timestamp)")
    calls: list[int] = Field(description="ids of the call records touched, in input order")


class LinkBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    request_id: int = Field(ge=1, description="the request (诉求) the seat registered for this call")


class CallEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    event: str
    occurred_at: datetime
    received_at: datetime
    seat: str | None
    queue: str | None
    target: str | None
    applied: bool


class TranscriptionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    call_record_id: int
    kind: str
    status: str
    sha256: str | None
    size: int | None
    sample_rate: int | None
    channels: int | None
    duration: float | None
    model: str | None
    language: str | None
    text: str | None
    segments: list[dict[str, Any]]
    error_reason: str | None
    error_message: str | None
    created_at: datetime
    completed_at: datetime | None


class CallRead(BaseModel):
    """A call record; the caller's number only masked."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    source: str
    call_id: str
    platform: str
    direction: str
    hotline_number: str | None
    caller_phone_masked: str | None
    seat: str | None
    queue: str | None
    state: str
    started_at: datetime | None
    ringing_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    wait_seconds: float | None
    talk_seconds: float | None
    transfers: list[dict[str, Any]]
    conferences: list[dict[str, Any]]
    request_id: int | None
    triage: dict[str, Any] | None
    created_at: datetime


class CallDetail(CallRead):
    events: list[CallEventRead]
    transcriptions: list[TranscriptionRead]


class AnswerStats(BaseModel):
    """Answer rate and waiting over the inbound calls that started in a period (for KPIs)."""

    offered: int
    answered: int
    abandoned: int
    answered_within: int
    within_seconds: float
    answer_rate: float | None
    service_level: float | None = Field(description="share of offered calls answered within the threshold")
    mean_wait_seconds: float | None
    mean_talk_seconds: float | None


class LiveOpen(BaseModel):
    """How the PBX will send the live audio: 16-bit little-endian PCM, interleaved when stereo."""

    model_config = ConfigDict(extra="forbid")

    sample_rate: Literal[8000, 16000] = 8000
    channels: Literal[1, 2] = Field(default=1, description="stereo: caller left, seat right")


class LiveRead(BaseModel):
    call_record_id: int
    sample_rate: int
    channels: int
    duration: float
    finished: bool
    text: str
    segments: list[dict[str, Any]]
    triage: dict[str, Any] | None = None
    transcription_id: int | None = None
