"""Work orders (工单)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from liandong.core.timeutil import utcnow
from liandong.database import Base
from liandong.workorder.enums import WorkOrderStatus


class WorkOrder(Base):
    __tablename__ = "work_orders"
    __table_args__ = (
        Index("ix_work_orders_status_due", "status", "due_at"),
        Index("ix_work_orders_unit_status", "handling_unit_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)  # FLOWID
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    request_type: Mapped[str] = mapped_column(String(16))
    domain: Mapped[str | None] = mapped_column(String(32))
    category: Mapped[str | None] = mapped_column(String(80), index=True)
    urgency: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24), default=WorkOrderStatus.ACCEPTED.value)
    handling_unit_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    adcode: Mapped[str | None] = mapped_column(String(12), index=True)
    summary: Mapped[str] = mapped_column(Text)
    # Indexed: the daily KPI rollups select by these timestamps.
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    due_at: Mapped[datetime]
    remind_at: Mapped[datetime | None] = mapped_column(index=True)  # when the SLA sweep sends a reminder
    dispatched_at: Mapped[datetime | None]
    signed_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None] = mapped_column(index=True)
    visited_at: Mapped[datetime | None]
    archived_at: Mapped[datetime | None]
    handle_opinion: Mapped[str | None] = mapped_column(Text)  # HANDLEOPINION
    satisfaction: Mapped[int | None]  # 1-5 from the visit
    visit_note: Mapped[str | None] = mapped_column(String(2000))
    extension_until: Mapped[datetime | None]
    last_reason: Mapped[str | None] = mapped_column(String(2000))
    reopen_count: Mapped[int] = mapped_column(default=0)
    supervision_count: Mapped[int] = mapped_column(default=0)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
