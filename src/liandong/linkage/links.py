"""Links between work orders and police incidents; each side sees the other's current status."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from liandong.events import service as events
from liandong.incident.models import PoliceIncident
from liandong.linkage.enums import LinkKind
from liandong.linkage.models import OrderIncidentLink
from liandong.linkage.schemas import LinkedRecord
from liandong.workorder.models import WorkOrder


def link(
    *,
    session: Session,
    work_order_id: int,
    incident_id: int,
    kind: LinkKind,
    actor: str,
    note: str | None = None,
) -> OrderIncidentLink:
    """Link a 工单 and a 警单 (idempotent), with an event on both."""
    existing = session.scalar(
        select(OrderIncidentLink).where(
            OrderIncidentLink.work_order_id == work_order_id, OrderIncidentLink.incident_id == incident_id
        )
    )
    if existing is not None:
        return existing
    row = OrderIncidentLink(
        work_order_id=work_order_id, incident_id=incident_id, kind=kind.value, note=note, created_by=actor
    )
    session.add(row)
    session.flush()
    for entity, entity_id, other in (
        ("work_order", work_order_id, {"incident_id": incident_id}),
        ("incident", incident_id, {"work_order_id": work_order_id}),
    ):
        events.record(
            session=session,
            entity_type=entity,
            entity_id=entity_id,
            action=f"link_{kind.value}",
            actor=actor,
            before={},
            after={"linked": other},
            note=note,
        )
    return row


def for_work_order(*, session: Session, work_order_id: int, include_confidential: bool) -> list[LinkedRecord]:
    rows = session.execute(
        select(OrderIncidentLink, PoliceIncident)
        .join(PoliceIncident, PoliceIncident.id == OrderIncidentLink.incident_id)
        .where(OrderIncidentLink.work_order_id == work_order_id)
        .order_by(OrderIncidentLink.id)
    ).all()
    out = []
    for row, incident in rows:
        if incident.confidential and not include_confidential:
            continue  # 是否保密: a confidential 警单 is not shared with 12345
        out.append(
            LinkedRecord(
                kind=row.kind,
                work_order_id=work_order_id,
                incident_id=incident.id,
                incident_number=incident.number,
                incident_status=incident.status,
                note=row.note,
                created_at=row.created_at,
            )
        )
    return out


def for_incident(*, session: Session, incident_id: int) -> list[LinkedRecord]:
    rows = session.execute(
        select(OrderIncidentLink, WorkOrder)
        .join(WorkOrder, WorkOrder.id == OrderIncidentLink.work_order_id)
        .where(OrderIncidentLink.incident_id == incident_id)
        .order_by(OrderIncidentLink.id)
    ).all()
    return [
        LinkedRecord(
            kind=row.kind,
            work_order_id=order.id,
            work_order_number=order.number,
            work_order_status=order.status,
            incident_id=incident_id,
            note=row.note,
            created_at=row.created_at,
        )
        for row, order in rows
    ]
