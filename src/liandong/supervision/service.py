"""Set-based SLA sweeps and supervision orders."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, insert, literal, select, update
from sqlalchemy.orm import Session

from liandong.core.errors import NotFound
from liandong.core.timeutil import utcnow
from liandong.events import service as events
from liandong.events.models import Event
from liandong.supervision.enums import SupervisionStatus
from liandong.supervision.lifecycle import SUPERVISION_LIFECYCLE
from liandong.supervision.models import SupervisionOrder
from liandong.workorder import service as workorders
from liandong.workorder.models import WorkOrder
from liandong.workorder.schemas import SuperviseBody

OPEN_STATES = ("dispatched", "signed", "in_progress", "extension_requested", "suspended", "returned")
SYSTEM = "system:sla"


def _sweep_kind(
    session: Session, *, kind: str, due_condition: ColumnElement[bool], reason: str, now: datetime
) -> int:
    """Insert one supervision order per matching open work order not yet supervised for this deadline."""
    already = exists().where(
        SupervisionOrder.work_order_id == WorkOrder.id,
        SupervisionOrder.kind == kind,
        SupervisionOrder.deadline == WorkOrder.due_at,
    )
    source = select(
        WorkOrder.id,
        WorkOrder.handling_unit_id,
        literal(kind),
        WorkOrder.due_at,
        literal(reason),
        literal(SupervisionStatus.OPEN.value),
        literal(SYSTEM),
        literal(now),
    ).where(WorkOrder.status.in_(OPEN_STATES), due_condition, ~already)
    cols = ["work_order_id", "unit_id", "kind", "deadline", "reason", "status", "issued_by", "issued_at"]
    inserted = len(
        session.execute(
            insert(SupervisionOrder).from_select(cols, source).returning(SupervisionOrder.id)
        ).all()
    )
    if not inserted:
        return 0
    # Everything stays set-based (one statement each), so a sweep over a million open orders is a few scans.
    issued_now = select(SupervisionOrder.work_order_id).where(
        SupervisionOrder.issued_at == now, SupervisionOrder.kind == kind
    )
    event_rows = select(
        literal("work_order"),
        SupervisionOrder.work_order_id,
        literal(f"sla_{kind}"),
        literal(SYSTEM),
        literal(now),
        literal(reason),
        literal({}, Event.__table__.c.before.type),
        literal({}, Event.__table__.c.after.type),
    ).where(SupervisionOrder.issued_at == now, SupervisionOrder.kind == kind)
    event_cols = ["entity_type", "entity_id", "action", "actor", "occurred_at", "note", "before", "after"]
    session.execute(insert(Event).from_select(event_cols, event_rows))
    if kind == "overdue":
        session.execute(
            update(WorkOrder)
            .where(WorkOrder.id.in_(issued_now))
            .values(supervision_count=WorkOrder.supervision_count + 1, version=WorkOrder.version + 1)
            .execution_options(synchronize_session=False)
        )
    return inserted


def sweep_work_orders(*, session: Session, now: datetime | None = None) -> tuple[int, int]:
    """Reminders when a fraction of the time is left, overdue escalation once the deadline passed."""
    now = now or utcnow()
    # remind_at is set with the deadline (a share of the time allowed before it), so this stays an index range.
    reminder_window = and_(WorkOrder.remind_at <= now, WorkOrder.due_at >= now)
    reminders = _sweep_kind(
        session,
        kind="reminder",
        due_condition=reminder_window,
        reason="办理时限即将到期, 请抓紧办理",
        now=now,
    )
    overdue = _sweep_kind(
        session, kind="overdue", due_condition=WorkOrder.due_at < now, reason="工单已超期, 督促办理", now=now
    )
    return reminders, overdue


def issue(
    *, session: Session, work_order_id: int, reason: str, respond_within_hours: int, actor: str
) -> SupervisionOrder:
    """A supervisor's 督办 on a work order: the unit must answer by `respond_by`."""
    order = workorders.require(session=session, order_id=work_order_id)
    workorders.apply_action(
        session=session, order=order, action="supervise", body=SuperviseBody(reason=reason), actor=actor
    )
    now = utcnow()
    row = SupervisionOrder(
        work_order_id=order.id,
        unit_id=order.handling_unit_id,
        kind="manual",
        deadline=now,
        reason=reason,
        respond_by=now + timedelta(hours=respond_within_hours),
        issued_by=actor,
        issued_at=now,
    )
    session.add(row)
    session.flush()
    return row


def respond(*, session: Session, supervision_id: int, response: str, actor: str) -> SupervisionOrder:
    row = require(session=session, supervision_id=supervision_id)
    row.status = SUPERVISION_LIFECYCLE.next_state(row.status, "respond")
    row.response = response
    row.responded_at = utcnow()
    session.flush()
    events.record(
        session=session,
        entity_type="work_order",
        entity_id=row.work_order_id,
        action="supervision_response",
        actor=actor,
        before={},
        after={"supervision_id": row.id},
        note=response[:2000],
    )
    return row


def require(*, session: Session, supervision_id: int) -> SupervisionOrder:
    row = session.get(SupervisionOrder, supervision_id)
    if row is None:
        raise NotFound("supervision", supervision_id)
    return row


def list_orders(
    *,
    session: Session,
    unit_id: int | None = None,
    status: str | None = None,
    work_order_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[SupervisionOrder]:
    stmt = select(SupervisionOrder).order_by(SupervisionOrder.id.desc())
    if unit_id is not None:
        stmt = stmt.where(SupervisionOrder.unit_id == unit_id)
    if status:
        stmt = stmt.where(SupervisionOrder.status == status)
    if work_order_id is not None:
        stmt = stmt.where(SupervisionOrder.work_order_id == work_order_id)
    return list(session.scalars(stmt.limit(limit).offset(offset)))
