"""Outbox handlers of the linkage domain (each idempotent)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liandong.core.timeutil import utcnow
from liandong.exchange import outgoing as exchange_out
from liandong.incident.models import PoliceIncident
from liandong.linkage import emergency, transfers
from liandong.linkage.models import Transfer
from liandong.outbox.worker import handler
from liandong.reference.models import Organisation
from liandong.supervision import flows as supervision_flows
from liandong.workorder.models import WorkOrder


@handler("workorder.changed")
def work_order_changed(session: Session, payload: dict[str, Any]) -> None:
    """办结反馈: a completed 工单 reports back on the transfer that created it (and to a peer node)."""
    order = session.get(WorkOrder, payload["work_order_id"])
    if order is None:
        return
    linked = _transfers_of(session, work_order_id=order.id)
    if linked:
        exchange_out.record_changed(
            session=session, transfers=linked, number=order.number or str(order.id),
            action=str(payload.get("action")), status=order.status, note=None, satisfaction=order.satisfaction,
        )  # fmt: skip
    if payload.get("action") != "complete" or order.handle_opinion is None:
        return
    at = order.completed_at or utcnow()
    for transfer in transfers.record_completion(
        session=session, work_order_id=order.id, opinion=order.handle_opinion, at=at
    ):
        unit = session.get(Organisation, order.handling_unit_id) if order.handling_unit_id else None
        exchange_out.completed(session=session, transfer=transfer, number=order.number or str(order.id),
                               unit=unit.name if unit else "12345", opinion=order.handle_opinion, at=at)  # fmt: skip


@handler("incident.changed")
def incident_changed(session: Session, payload: dict[str, Any]) -> None:
    incident = session.get(PoliceIncident, payload["incident_id"])
    if incident is None:
        return
    linked = _transfers_of(session, incident_id=incident.id)
    if linked:
        exchange_out.record_changed(
            session=session, transfers=linked, number=incident.number or str(incident.id),
            action=str(payload.get("action")), status=incident.status, note=None,
        )  # fmt: skip
    if payload.get("action") != "feedback":
        return
    opinion = incident.feedback or incident.disposition or ""
    at = incident.closed_at or utcnow()
    for transfer in transfers.record_completion(
        session=session, incident_id=incident.id, opinion=opinion, at=at
    ):
        exchange_out.completed(session=session, transfer=transfer, number=incident.number or str(incident.id),
                               unit="110", opinion=opinion, at=at)  # fmt: skip


def _transfers_of(
    session: Session, *, work_order_id: int | None = None, incident_id: int | None = None
) -> list[Transfer]:
    stmt = select(Transfer)
    if work_order_id is not None:
        stmt = stmt.where(Transfer.work_order_id == work_order_id)
    else:
        stmt = stmt.where(Transfer.incident_id == incident_id)
    return list(session.scalars(stmt))


@handler("linkage.transfer")
def transfer_event(session: Session, payload: dict[str, Any]) -> None:
    """Drains jobs queued by earlier versions, which queued one per transfer change; nothing queues it now (transfer
    notices are read live from the transfers table and the exchange relays them to peer nodes)."""
    return None


@handler("linkage.notify_hotline")
def notify_hotline(session: Session, payload: dict[str, Any]) -> None:
    emergency.deliver(session=session, notification_id=int(payload["notification_id"]))


@handler("supervision.sweep")
def sweep(session: Session, payload: dict[str, Any]) -> None:
    """The periodic SLA sweep: reminders, overdue supervision, transfer timeouts, negotiation fallback."""
    supervision_flows.sweep(session=session)
