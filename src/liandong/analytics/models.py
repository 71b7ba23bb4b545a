"""Analytics tables: daily KPI rollups, hourly hotline call statistics, harassment review flags."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liandong.core.timeutil import utcnow
from liandong.database import Base

# Counter columns of a rollup row, in the order docs/kpis.md defines them.
COUNTERS = (
    "calls_offered",
    "calls_answered",
    "calls_answered_15s",
    "received",
    "dispatched",
    "responded",
    "completed",
    "completed_on_time",
    "visited",
    "satisfied",
    "resolved",
    "satisfaction_sum",
    "reopened",
    "transfers",
    "refusals",
)


class KpiDaily(Base):
    """Counts of one local day x platform x unit x county x category; KPI queries read only these.

    Empty dimensions are stored as 0 / "" rather than NULL so the unique key really is unique.
    """

    __tablename__ = "kpi_daily"
    __table_args__ = (
        UniqueConstraint("day", "platform", "unit_id", "adcode", "category"),
        Index("ix_kpi_daily_platform_day", "platform", "day"),
        Index("ix_kpi_daily_adcode_day", "adcode", "day"),
        Index("ix_kpi_daily_unit_day", "unit_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    platform: Mapped[str] = mapped_column(String(8))
    unit_id: Mapped[int] = mapped_column(default=0)
    adcode: Mapped[str] = mapped_column(String(12), default="")
    category: Mapped[str] = mapped_column(String(80), default="")
    calls_offered: Mapped[int] = mapped_column(default=0)
    calls_answered: Mapped[int] = mapped_column(default=0)
    calls_answered_15s: Mapped[int] = mapped_column(default=0)
    received: Mapped[int] = mapped_column(default=0)
    dispatched: Mapped[int] = mapped_column(default=0)
    responded: Mapped[int] = mapped_column(default=0)
    completed: Mapped[int] = mapped_column(default=0)
    completed_on_time: Mapped[int] = mapped_column(default=0)
    visited: Mapped[int] = mapped_column(default=0)
    satisfied: Mapped[int] = mapped_column(default=0)
    resolved: Mapped[int] = mapped_column(default=0)
    satisfaction_sum: Mapped[int] = mapped_column(default=0)
    reopened: Mapped[int] = mapped_column(default=0)
    transfers: Mapped[int] = mapped_column(default=0)
    refusals: Mapped[int] = mapped_column(default=0)
    built_at: Mapped[datetime] = mapped_column(default=utcnow)


class HotlineCallStat(Base):
    """Calls offered to one hotline number in one hour (from the switch, or summed from call records)."""

    __tablename__ = "hotline_call_stats"
    __table_args__ = (UniqueConstraint("number", "hour_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32))
    platform: Mapped[str] = mapped_column(String(8))
    hour_start: Mapped[datetime] = mapped_column(index=True)
    offered: Mapped[int]
    answered: Mapped[int]
    answered_15s: Mapped[int] = mapped_column(default=0)
    source: Mapped[str] = mapped_column(String(40), default="api")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class HarassmentFlag(Base):
    """A harassment candidate and a person's review of it; confirmed flags are shown to seats, never block."""

    __tablename__ = "harassment_flags"
    __table_args__ = (Index("ix_harassment_flags_caller_status", "caller_hash", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    caller_hash: Mapped[str] = mapped_column(String(64))
    caller_masked: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    restriction_allowed: Mapped[bool] = mapped_column(default=False)
    reviewer: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(String(2000))
    reviewed_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
