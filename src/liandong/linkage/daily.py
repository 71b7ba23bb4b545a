"""日常联动: 110 hands disputes' underlying matters to 12345, 12345 hands stability clues to 110, units escalate."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from liandong.core.errors import Conflict, InvalidInput
from liandong.core.timeutil import utcnow
from liandong.events import service as events
from liandong.incident import service as incidents
from liandong.incident.models import PoliceIncident
from liandong.incident.schemas import IncidentCreate
from liandong.intake import service as requests
from liandong.intake.enums import Channel
from liandong.intake.lifecycle import REQUEST_LIFECYCLE
from liandong.intake.schemas import RequestCreate
from liandong.linkage.enums import LinkKind
from liandong.linkage.links import link
from liandong.linkage.models import CoHandler
from liandong.linkage.schemas import HandoverCreate, PoliceReferral
from liandong.workorder import service as workorders
from liandong.workorder.lifecycle import WORK_ORDER_LIFECYCLE
from liandong.workorder.models import WorkOrder
from liandong.workorder.schemas import WorkOrderCreate

OPEN_ORDER_STATES = {
    "accepted",
    "dispatched",
    "signed",
    "in_progress",
    "extension_requested",
    "suspended",
    "returned",
}


def handover(*, session: Session, incident: PoliceIncident, data: HandoverCreate, actor: str) -> WorkOrder:
    """110 has dispatched to a dispute; the underlying matter goes to 12345 as a 工单 to the local government."""
    if incident.request_id is not None:
        req = requests.require(session=session, request_id=incident.request_id)
        if REQUEST_LIFECYCLE.can(req.status, "register"):
            requests.transition(session=session, req=req, action="register", actor=actor, note=data.reason)
    else:
        req = requests.create(
            session=session,
            data=RequestCreate(
                channel=Channel.PHONE,
                content=incident.content,
                received_by="110",
                location_text=incident.address,
                adcode=incident.adcode,
                received_at=incident.reported_at,
            ),
            actor=actor,
        )
        incident.request_id = req.id
        requests.transition(session=session, req=req, action="register", actor=actor, note=data.reason)
    order = workorders.create(
        session=session,
        data=WorkOrderCreate(
            request_id=req.id,
            request_type=data.request_type,
            category=data.category,
            domain=data.domain,
            summary=f"[110移交] {data.reason}\n{incident.content}"[:4000],
        ),
        request=req,
        actor=actor,
    )
    workorders.dispatch_to(session=session, order=order, unit_id=data.handling_unit_id, actor=actor)
    link(
        session=session,
        work_order_id=order.id,
        incident_id=incident.id,
        kind=LinkKind.HANDOVER,
        actor=actor,
        note=data.reason,
    )
    return order


def refer_to_police(
    *, session: Session, order: WorkOrder, data: PoliceReferral, actor: str, kind: LinkKind
) -> PoliceIncident:
    """12345 hands a stability clue to 110, or a unit escalates a worsening dispute: a 警单 linked to the 工单."""
    if order.status not in OPEN_ORDER_STATES and kind is LinkKind.ESCALATION:
        raise Conflict(
            f"work order in state '{order.status}' cannot be escalated", details={"state": order.status}
        )
    req = requests.require(session=session, request_id=order.request_id)
    label = "12345移交线索" if kind is LinkKind.CLUE else "承办单位联动110"
    incident = incidents.create(
        session=session,
        data=IncidentCreate(
            request_id=req.id,
            category_code=data.category_code,
            priority=data.priority,
            content=f"[{label}] {data.reason}\n{order.summary}"[:20_000],
        ),
        request=req,
        actor=actor,
    )
    link(
        session=session,
        work_order_id=order.id,
        incident_id=incident.id,
        kind=kind,
        actor=actor,
        note=data.reason,
    )
    return incident


def set_co_handlers(
    *, session: Session, order: WorkOrder, unit_ids: list[int], actor: str
) -> list[CoHandler]:
    """联合调处: the order's handling unit leads; these units co-handle and each gives an opinion."""
    if order.handling_unit_id is None:
        raise InvalidInput("unit_ids", "dispatch the order to a lead unit before adding co-handlers")
    if order.handling_unit_id in unit_ids:
        raise InvalidInput("unit_ids", "the lead unit cannot also be a co-handler")
    if not WORK_ORDER_LIFECYCLE.can(order.status, "supervise"):
        raise Conflict(
            f"work order in state '{order.status}' cannot take co-handlers", details={"state": order.status}
        )
    existing = {
        c.unit_id: c for c in session.scalars(select(CoHandler).where(CoHandler.work_order_id == order.id))
    }
    for unit_id in dict.fromkeys(unit_ids):
        workorders.require_unit(session=session, unit_id=unit_id, field="unit_ids")
        if unit_id not in existing:
            existing[unit_id] = CoHandler(work_order_id=order.id, unit_id=unit_id)
            session.add(existing[unit_id])
    session.flush()
    events.record(
        session=session,
        entity_type="work_order",
        entity_id=order.id,
        action="co_handlers",
        actor=actor,
        before={},
        after={"co_handlers": sorted(existing)},
    )
    return list(existing.values())


def co_handler_opinion(
    *, session: Session, order: WorkOrder, unit_id: int, opinion: str, actor: str
) -> CoHandler:
    row = session.scalar(
        select(CoHandler).where(CoHandler.work_order_id == order.id, CoHandler.unit_id == unit_id)
    )
    if row is None:
        raise InvalidInput("unit_id", f"unit {unit_id} is not a co-handler of this order")
    row.opinion = opinion
    row.responded_at = utcnow()
    session.flush()
    events.record(
        session=session,
        entity_type="work_order",
        entity_id=order.id,
        action="co_handler_opinion",
        actor=actor,
        before={},
        after={"unit_id": unit_id},
        note=opinion[:2000],
    )
    return row


def co_handlers(*, session: Session, order_id: int) -> list[CoHandler]:
    return list(
        session.scalars(select(CoHandler).where(CoHandler.work_order_id == order_id).order_by(CoHandler.id))
    )


def is_co_handler(*, session: Session, order_id: int, unit_id: int | None) -> bool:
    if unit_id is None:
        return False
    return (
        session.scalar(
            select(CoHandler.id).where(CoHandler.work_order_id == order_id, CoHandler.unit_id == unit_id)
        )
        is not None
    )
