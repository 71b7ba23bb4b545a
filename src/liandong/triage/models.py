"""Stored versions of the item list (事项清单): every edit is a new row; the latest row is in force."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from liandong.core.timeutil import utcnow
from liandong.database import Base


class RuleSetVersion(Base):
    __tablename__ = "triage_rule_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))
    yaml: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(String(2000))
    created_by: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
