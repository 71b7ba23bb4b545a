"""Requests (诉求) and their attachments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from liandong.core.timeutil import utcnow
from liandong.database import Base
from liandong.intake.enums import RequestStatus


class ServiceRequest(Base):
    """A request (诉求) as received, before it becomes a 工单 or 警单."""

    __tablename__ = "requests"
    __table_args__ = (Index("ix_requests_received", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    received_by: Mapped[str] = mapped_column(String(8), default="12345")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.RECEIVED.value)
    title: Mapped[str | None] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    # Personal data: encrypted at rest, a keyed hash for matching, a masked copy for display.
    caller_name_enc: Mapped[str | None] = mapped_column(Text)
    caller_name_masked: Mapped[str | None] = mapped_column(String(80))
    caller_phone_enc: Mapped[str | None] = mapped_column(Text)
    caller_phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    caller_phone_masked: Mapped[str | None] = mapped_column(String(40))
    location_text: Mapped[str | None] = mapped_column(String(500))
    adcode: Mapped[str | None] = mapped_column(String(12), index=True)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    service_code: Mapped[str | None] = mapped_column(String(40))
    triage: Mapped[dict[str, Any] | None] = mapped_column()
    resolution_note: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    attachments: Mapped[list[Attachment]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class Attachment(Base):
    """A file attached to a request; stored outside the web root under the data directory."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
