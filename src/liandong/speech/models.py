"""Call records (from CTI events), their events, and transcriptions of their recordings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from liandong.core.timeutil import utcnow
from liandong.database import Base
from liandong.speech.enums import CallDirection, CallState, TranscriptionStatus


class CallRecord(Base):
    """One call as the PBX saw it; the state and times are derived from its events."""

    __tablename__ = "call_records"
    __table_args__ = (
        UniqueConstraint("source", "call_id"),
        Index("ix_call_records_started", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64))  # which PBX / call centre
    call_id: Mapped[str] = mapped_column(String(128))  # the PBX's id, unique per source
    platform: Mapped[str] = mapped_column(String(8), index=True)  # 12345 or 110
    direction: Mapped[str] = mapped_column(String(16), default=CallDirection.INBOUND.value)
    hotline_number: Mapped[str | None] = mapped_column(String(32))  # number dialled
    # The caller's number: encrypted at rest, a keyed hash for matching, a masked copy for display.
    caller_phone_enc: Mapped[str | None] = mapped_column(Text)
    caller_phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    caller_phone_masked: Mapped[str | None] = mapped_column(String(40))
    seat: Mapped[str | None] = mapped_column(String(64), index=True)
    queue: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default=CallState.NEW.value)
    started_at: Mapped[datetime | None]
    ringing_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    wait_seconds: Mapped[float | None]  # ringing to answer, or to hang-up when never answered
    talk_seconds: Mapped[float | None]  # answer to hang-up
    transfers: Mapped[list[Any]] = mapped_column(default=list)  # [{target, at, seat}]
    conferences: Mapped[list[Any]] = mapped_column(default=list)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    triage: Mapped[dict[str, Any] | None] = mapped_column()  # triage of the caller's words
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    events: Mapped[list[CallEvent]] = relationship(
        cascade="all, delete-orphan", order_by="CallEvent.occurred_at, CallEvent.id"
    )
    transcriptions: Mapped[list[Transcription]] = relationship(
        cascade="all, delete-orphan", order_by="Transcription.id"
    )


class CallEvent(Base):
    """One CTI event as received; `applied` is False when the transition table could not place it."""

    __tablename__ = "call_events"
    __table_args__ = (UniqueConstraint("call_record_id", "event", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_record_id: Mapped[int] = mapped_column(ForeignKey("call_records.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    seat: Mapped[str | None] = mapped_column(String(64))
    queue: Mapped[str | None] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(128))
    applied: Mapped[bool] = mapped_column(default=True)
    received_by: Mapped[str] = mapped_column(String(120))


class Transcription(Base):
    """A recording (WAV stored by sha256 under data_dir/recordings) or a live session, and its transcript."""

    __tablename__ = "transcriptions"
    __table_args__ = (UniqueConstraint("call_record_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_record_id: Mapped[int] = mapped_column(ForeignKey("call_records.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=TranscriptionStatus.PENDING.value)
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None]
    storage_key: Mapped[str | None] = mapped_column(String(200))
    sample_rate: Mapped[int | None]
    channels: Mapped[int | None]
    duration: Mapped[float | None]
    model: Mapped[str | None] = mapped_column(String(120))
    language: Mapped[str | None] = mapped_column(String(8))
    text: Mapped[str | None] = mapped_column(Text)
    segments: Mapped[list[Any]] = mapped_column(default=list)
    error_reason: Mapped[str | None] = mapped_column(String(32))
    error_message: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
