"""Work orders: create, read, list, and every lifecycle action with its event."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from liandong.config import get_settings
from liandong.core.errors import InvalidInput, NotFound
from liandong.core.timeutil import as_utc, utcnow
from liandong.events import service as events
from liandong.intake.models import ServiceRequest
from liandong.outbox import service as outbox
from liandong.reference.enums import HANDLING_UNIT_KINDS
from liandong.reference.models import Organisation
from liandong.workorder import schemas as s
from liandong.workorder import sla
from liandong.workorder.enums import RequestType, Urgency
from liandong.workorder.lifecycle import WORK_ORDER_LIFECYCLE
from liandong.workorder.models import WorkOrder

ENTITY = "work_order"
TRACKED = (
    "status",
    "handling_unit_id",
    "domain",
    "category",
    "urgency",
    "due_at",
    "dispatched_at",
    "signed_at",
    "completed_at",
    "visited_at",
    "archived_at",
    "handle_opinion",
    "satisfaction",
    "visit_note",
    "extension_until",
    "last_reason",
    "reopen_count",
    "supervision_count",
)


def require_unit(*, session: Session, unit_id: int, field: str = "handling_unit_id") -> Organisation:
    unit = session.get(Organisation, unit_id)
    if unit is None or not unit.active:
        raise InvalidInput(field, f"unknown or inactive organisation {unit_id}")
    if unit.kind not in {k.value for k in HANDLING_UNIT_KINDS}:
        raise InvalidInput(field, f"organisation {unit_id} ({unit.kind}) is not a handling unit (承办单位)")
    return unit


def create(*, session: Session, data: s.WorkOrderCreate, request: ServiceRequest, actor: str) -> WorkOrder:
    """Register a 工单 for a request (受理); dispatching is a separate action."""
    now = utcnow()
    order = WorkOrder(
        request_id=request.id,
        request_type=data.request_type.value,
        domain=data.domain.value if data.domain else None,
        category=data.category,
        urgency=data.urgency.value,
        adcode=request.adcode,
        summary=data.summary or request.content[:4000],
        accepted_at=now,
        due_at=sla.due_at(start=now, urgency=data.urgency, request_type=data.request_type),
        created_by=actor,
    )
    order.remind_at = sla.remind_at(start=now, due=order.due_at, fraction=get_settings().reminder_fraction)
    events.add_numbered(
        session=session, obj=order, prefix="GD", when=now, entity_type=ENTITY, action="accept", actor=actor,
        fields=(*TRACKED, "request_id", "request_type"),
    )  # fmt: skip
    return order


def get(*, session: Session, order_id: int) -> WorkOrder | None:
    return session.get(WorkOrder, order_id)


def require(*, session: Session, order_id: int) -> WorkOrder:
    order = session.get(WorkOrder, order_id)
    if order is None:
        raise NotFound(ENTITY, order_id)
    return order


def list_orders(
    *,
    session: Session,
    status: str | None = None,
    handling_unit_id: int | None = None,
    category: str | None = None,
    adcode: str | None = None,
    overdue: bool | None = None,
    request_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
    visible: Callable[[Select[Any]], Select[Any]] | None = None,
) -> tuple[list[WorkOrder], int]:
    """Filtered, paginated orders; `visible` narrows to what the caller may see."""
    stmt: Select[Any] = select(WorkOrder)
    if visible is not None:
        stmt = visible(stmt)
    if status:
        stmt = stmt.where(WorkOrder.status == status)
    if handling_unit_id is not None:
        stmt = stmt.where(WorkOrder.handling_unit_id == handling_unit_id)
    if category:
        stmt = stmt.where(WorkOrder.category == category)
    if adcode:
        stmt = stmt.where(WorkOrder.adcode.startswith(adcode))
    if request_id is not None:
        stmt = stmt.where(WorkOrder.request_id == request_id)
    if overdue is not None:
        open_states = ("dispatched", "signed", "in_progress", "extension_requested", "suspended", "returned")
        cond = (WorkOrder.due_at < utcnow()) & WorkOrder.status.in_(open_states)
        stmt = stmt.where(cond if overdue else ~cond)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(WorkOrder.due_at, WorkOrder.id).limit(limit).offset(offset))
    return list(rows), total


def update(*, session: Session, order: WorkOrder, data: s.WorkOrderUpdate, actor: str) -> WorkOrder:
    before = events.snapshot(order, TRACKED)
    for key, value in data.model_dump(exclude_unset=True).items():
        setattr(order, key, value.value if hasattr(value, "value") else value)
    session.flush()
    events.record(
        session=session,
        entity_type=ENTITY,
        entity_id=order.id,
        action="update",
        actor=actor,
        before=before,
        after=events.snapshot(order, TRACKED),
    )
    return order


# Each action's effect on the record, run after the transition table has allowed it.
Effect = Callable[[Session, WorkOrder, Any, datetime], None]


def _dispatch(session: Session, order: WorkOrder, body: Any, now: datetime) -> None:
    order.handling_unit_id = require_unit(session=session, unit_id=body.handling_unit_id).id
    order.dispatched_at = now
    if getattr(body, "reason", None):
        order.last_reason = body.reason


def _sign(session: Session, order: WorkOrder, body: Any, now: datetime) -> None:
    order.signed_at = now


def _reason(session: Session, order: WorkOrder, body: Any, now: datetime) -> None:
    order.last_reason = body.reason


def _request_extension(session: Session, order: WorkOrder, body: Any, now: datetime) -> None:
    if as_utc(body.until) <= order.due_at:
        raise InvalidInput("until", "the extension must end after the current deadline")
    order.extension_until = body.until
    order.last_reason = body.reason


def _approve_extension(session: Session, order: WorkOrder, body: Any, now: datetime) -> None:
    assert order.extension_until is not None
    order.remind_at = sla.remind_at(
        start=now, due=order.extension_until, fraction=get_settings().reminder_fraction
    )
    order.due_at = order.extension_until
    order.extension_until = None


def _reject_extension(session: Session, order: WorkOrder, body: Any, now: datetime) -> None:
    order.extension_until = None
    order.last_reason = body.reason


def _complete(session: Session, order: WorkOrder, body: Any, now: datetime) -> None:
    order.handle_opinion = body.opinion
    order.completed_at = now


def _visit(session: Session, order: WorkOrder, body: Any, now: datetime) -> None:
    order.satisfaction = body.satisfaction
    order.visit_note = body.note
    order.visited_at = now


def _reopen(session: Session, order: WorkOrder, body: Any, now: datetime) -> None:
    if order.handling_unit_id is None:
        raise InvalidInput("handling_unit_id", "an order completed on the spot has no unit to reopen to")
    order.reopen_count += 1
    order.last_reason = body.reason
    order.completed_at = None
    order.dispatched_at = now
    order.due_at = sla.due_at(
        start=now, urgency=Urgency(order.urgency), request_type=RequestType(order.request_type)
    )
    order.remind_at = sla.remind_at(start=now, due=order.due_at, fraction=get_settings().reminder_fraction)


def _archive(session: Session, order: WorkOrder, body: Any, now: datetime) -> None:
    order.archived_at = now


def _supervise(session: Session, order: WorkOrder, body: Any, now: datetime) -> None:
    order.supervision_count += 1
    order.last_reason = body.reason


def _nothing(session: Session, order: WorkOrder, body: Any, now: datetime) -> None:
    return None


EFFECTS: dict[str, Effect] = {
    "dispatch": _dispatch,
    "reassign": _dispatch,
    "sign": _sign,
    "return": _reason,
    "start": _nothing,
    "request_extension": _request_extension,
    "approve_extension": _approve_extension,
    "reject_extension": _reject_extension,
    "suspend": _reason,
    "resume": _nothing,
    "complete": _complete,
    "visit": _visit,
    "reopen": _reopen,
    "archive": _archive,
    "supervise": _supervise,
    "cancel": _reason,
}


def apply_action(
    *, session: Session, order: WorkOrder, action: str, body: Any, actor: str, now: datetime | None = None
) -> WorkOrder:
    """Run one lifecycle action: refused (nothing changed) unless the transition table allows it."""
    if action not in EFFECTS:
        raise InvalidInput("action", f"unknown work order action '{action}'")
    target = WORK_ORDER_LIFECYCLE.next_state(order.status, action)
    now = now or utcnow()
    before = events.snapshot(order, TRACKED)
    EFFECTS[action](session, order, body, now)
    order.status = target
    session.flush()
    events.record_change(
        session=session,
        entity_type=ENTITY,
        obj=order,
        tracked=TRACKED,
        action=action,
        actor=actor,
        before=before,
        note=getattr(body, "note", None) or getattr(body, "reason", None),
    )
    # Other domains (closed-loop feedback, the exchange with peer nodes) follow changes through the outbox.
    outbox.enqueue(session=session, topic="workorder.changed",
                   payload={"work_order_id": order.id, "action": action, "status": target})  # fmt: skip
    return order


def to_read(order: WorkOrder) -> s.WorkOrderRead:
    read = s.WorkOrderRead.model_validate(order)
    read.allowed_actions = WORK_ORDER_LIFECYCLE.allowed_actions(order.status)
    return read


def dispatch_to(*, session: Session, order: WorkOrder, unit_id: int | None, actor: str) -> WorkOrder:
    """派单 to `unit_id` when one is given (registering with a unit dispatches at once)."""
    if unit_id is not None:
        apply_action(
            session=session,
            order=order,
            action="dispatch",
            body=s.UnitBody(handling_unit_id=unit_id),
            actor=actor,
        )
    return order
