"""Supervision orders (督办单)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liandong.core.timeutil import utcnow
from liandong.database import Base
from liandong.supervision.enums import SupervisionStatus


class SupervisionOrder(Base):
    """A reminder, an overdue escalation or a supervisor's 督办 that the unit must answer.

    (work_order_id, kind, deadline) is unique: a sweep never issues the same reminder twice for one deadline, even
    when two workers sweep at once or a sweep is retried after a crash.
    """

    __tablename__ = "supervision_orders"
    __table_args__ = (
        UniqueConstraint("work_order_id", "kind", "deadline"),
        Index("ix_supervision_orders_open", "status", "respond_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # reminder | overdue | manual
    deadline: Mapped[datetime]  # the order's deadline this supervision is about
    reason: Mapped[str] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(12), default=SupervisionStatus.OPEN.value)
    respond_by: Mapped[datetime | None]
    response: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime | None]
    issued_by: Mapped[str] = mapped_column(String(160))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
