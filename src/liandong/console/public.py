"""Published handling results by unit (policy asks to publish them): SQL aggregates only, no personal data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Integer, and_, case, func, select
from sqlalchemy.orm import Session

from liandong.core.timeutil import utcnow
from liandong.reference.models import Organisation
from liandong.workorder.enums import WorkOrderStatus as S
from liandong.workorder.models import WorkOrder

DONE = (S.COMPLETED.value, S.VISITED.value, S.ARCHIVED.value)
OPEN = (S.DISPATCHED, S.SIGNED, S.IN_PROGRESS, S.EXTENSION_REQUESTED, S.SUSPENDED, S.RETURNED)
MAX_UNITS = 500


class UnitResult(BaseModel):
    unit: str
    total: int
    open: int
    completed: int
    overdue: int
    on_time_rate: float | None
    satisfaction: float | None


class PublicResults(BaseModel):
    generated_at: datetime
    totals: dict[str, int]
    by_status: dict[str, int]
    units: list[UnitResult]


def _count_if(cond: Any) -> Any:
    return func.sum(case((cond, 1), else_=0)).cast(Integer)


def results(*, session: Session) -> PublicResults:
    """Counts per handling unit: received, open, completed, overdue, on-time share and mean satisfaction."""
    now = utcnow()
    deadline = func.coalesce(WorkOrder.extension_until, WorkOrder.due_at)
    done = WorkOrder.status.in_(DONE)
    on_time = and_(done, WorkOrder.completed_at <= deadline)
    rows = session.execute(
        select(
            Organisation.name,
            func.count(WorkOrder.id),
            _count_if(WorkOrder.status.in_([s.value for s in OPEN])),
            _count_if(done),
            _count_if(and_(WorkOrder.status.in_([s.value for s in OPEN]), deadline < now)),
            _count_if(on_time),
            func.avg(WorkOrder.satisfaction),
        )
        .join(Organisation, Organisation.id == WorkOrder.handling_unit_id)
        .where(WorkOrder.status != S.CANCELLED.value)
        .group_by(Organisation.id, Organisation.name)
        .order_by(func.count(WorkOrder.id).desc(), Organisation.name)
        .limit(MAX_UNITS)
    ).all()
    units = [
        UnitResult(
            unit=name,
            total=total,
            open=open_ or 0,
            completed=completed or 0,
            overdue=overdue or 0,
            on_time_rate=round((in_time or 0) / completed, 3) if completed else None,
            satisfaction=round(float(sat), 2) if sat is not None else None,
        )
        for name, total, open_, completed, overdue, in_time, sat in rows
    ]
    by_status = dict(
        session.execute(select(WorkOrder.status, func.count(WorkOrder.id)).group_by(WorkOrder.status)).all()
    )
    totals = {
        "work_orders": sum(by_status.values()),
        "completed": sum(by_status.get(s, 0) for s in DONE),
        "open": sum(by_status.get(s.value, 0) for s in OPEN),
        "units": len(units),
    }
    return PublicResults(generated_at=now, totals=totals, by_status=by_status, units=units)
