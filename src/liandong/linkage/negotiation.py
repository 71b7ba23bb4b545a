"""三方通话: caller, 12345 and 110 negotiate who takes a request.

No agreement by the deadline: the platform that first received the request takes it (先行受理). Danger to life,
property or public safety: 110 dispatches at once, in parallel with the negotiation (先行处置).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from liandong.config import get_settings
from liandong.core.errors import NotFound
from liandong.core.timeutil import utcnow
from liandong.events import service as events
from liandong.incident import service as incidents
from liandong.incident.models import PoliceIncident
from liandong.incident.schemas import IncidentCreate
from liandong.intake import service as requests
from liandong.intake.lifecycle import REQUEST_LIFECYCLE
from liandong.intake.models import ServiceRequest
from liandong.linkage.enums import LinkKind, NegotiationStatus
from liandong.linkage.lifecycle import NEGOTIATION_LIFECYCLE, TRANSFER_LIFECYCLE
from liandong.linkage.links import link
from liandong.linkage.models import Negotiation, NegotiationNote, Transfer
from liandong.linkage.schemas import NegotiationCreate
from liandong.workorder import service as workorders
from liandong.workorder.enums import RequestType, parse_request_type
from liandong.workorder.schemas import WorkOrderCreate

ENTITY = "negotiation"
TRACKED = (
    "status",
    "outcome_platform",
    "work_order_id",
    "incident_id",
    "predispatch_incident_id",
    "decided_at",
)


def _record(
    session: Session,
    neg: Negotiation,
    action: str,
    actor: str,
    before: dict[str, object],
    note: str | None = None,
) -> None:
    events.record_change(
        session=session,
        entity_type=ENTITY,
        obj=neg,
        tracked=TRACKED,
        action=action,
        actor=actor,
        before=before,
        note=note,
    )


def open_(
    *, session: Session, data: NegotiationCreate, actor: str, now: datetime | None = None
) -> Negotiation:
    now = now or utcnow()
    req = requests.require(session=session, request_id=data.request_id)
    emergency = data.emergency if data.emergency is not None else bool((req.triage or {}).get("emergency"))
    minutes = data.minutes
    deadline = now + (
        timedelta(minutes=minutes) if minutes else timedelta(seconds=get_settings().negotiation_seconds)
    )
    neg = Negotiation(
        request_id=req.id,
        transfer_id=data.transfer_id,
        reason=data.reason,
        first_receiver=req.received_by,
        deadline=deadline,
        emergency=emergency,
        created_by=actor,
        created_at=now,
    )
    session.add(neg)
    session.flush()
    _record(session, neg, "open", actor, {}, note=data.reason)
    if emergency:
        predispatch(session=session, neg=neg, actor="system:emergency")
    return neg


def predispatch(*, session: Session, neg: Negotiation, actor: str) -> PoliceIncident:
    """先行处置: 110 registers and dispatches while the parties still negotiate (idempotent)."""
    NEGOTIATION_LIFECYCLE.next_state(neg.status, "predispatch")
    if neg.predispatch_incident_id is not None:
        return incidents.require(session=session, incident_id=neg.predispatch_incident_id)
    req = requests.require(session=session, request_id=neg.request_id)
    incident = incidents.create(
        session=session,
        data=IncidentCreate(request_id=req.id, category_code="07", priority=1),
        request=req,
        actor=actor,
    )
    before = events.snapshot(neg, TRACKED)
    neg.predispatch_incident_id = incident.id
    neg.emergency = True
    session.flush()
    _record(session, neg, "predispatch", actor, before, note="危及人身财产安全, 110先行处置")
    return incident


def add_note(*, session: Session, neg: Negotiation, party: str, text: str, actor: str) -> NegotiationNote:
    NEGOTIATION_LIFECYCLE.next_state(neg.status, "note")
    note = NegotiationNote(negotiation_id=neg.id, party=party, author=actor, text=text)
    session.add(note)
    session.flush()
    events.record(
        session=session,
        entity_type=ENTITY,
        entity_id=neg.id,
        action="note",
        actor=actor,
        before={},
        after={"party": party},
        note=text[:2000],
    )
    return note


def _take(session: Session, neg: Negotiation, req: ServiceRequest, platform: str, actor: str) -> None:
    """The chosen platform registers the request (110 reuses the pre-dispatched 警单)."""
    if neg.transfer_id is not None:
        transfer = session.get(Transfer, neg.transfer_id)
        if transfer is not None and TRANSFER_LIFECYCLE.can(transfer.status, "cancel"):
            before = {"status": transfer.status}
            transfer.status = TRANSFER_LIFECYCLE.next_state(transfer.status, "cancel")
            transfer.response_reason = "由三方通话协商决定"
            session.flush()
            events.record(
                session=session,
                entity_type="transfer",
                entity_id=transfer.id,
                action="cancel",
                actor=actor,
                before=before,
                after={"status": transfer.status},
                from_state=before["status"],
                to_state=transfer.status,
            )
    if REQUEST_LIFECYCLE.can(req.status, "register"):
        requests.transition(
            session=session, req=req, action="register", actor=actor, note=f"协商结果: {platform}"
        )
    if platform == "110":
        if neg.predispatch_incident_id is not None:
            neg.incident_id = neg.predispatch_incident_id
        else:
            incident = incidents.create(
                session=session,
                data=IncidentCreate(request_id=req.id, category_code="02"),
                request=req,
                actor=actor,
            )
            neg.incident_id = incident.id
        return
    triage_type = (req.triage or {}).get("request_type")
    request_type = parse_request_type(triage_type) or RequestType.HELP
    order = workorders.create(
        session=session,
        data=WorkOrderCreate(request_id=req.id, request_type=request_type),
        request=req,
        actor=actor,
    )
    neg.work_order_id = order.id
    if neg.predispatch_incident_id is not None:
        link(
            session=session,
            work_order_id=order.id,
            incident_id=neg.predispatch_incident_id,
            kind=LinkKind.PREDISPATCH,
            actor=actor,
        )


def decide(
    *,
    session: Session,
    neg: Negotiation,
    platform: str,
    actor: str,
    note: str | None = None,
    now: datetime | None = None,
) -> Negotiation:
    target = NEGOTIATION_LIFECYCLE.next_state(neg.status, "decide")
    before = events.snapshot(neg, TRACKED)
    req = requests.require(session=session, request_id=neg.request_id)
    _take(session, neg, req, platform, actor)
    neg.status = target
    neg.outcome_platform = platform
    neg.decided_by = actor
    neg.decided_at = now or utcnow()
    session.flush()
    _record(session, neg, "decide", actor, before, note=note)
    return neg


def fallback_due(*, session: Session, now: datetime | None = None, limit: int = 1000) -> int:
    """Negotiations past their deadline: the first-receiving platform takes the request (先行受理)."""
    now = now or utcnow()
    due = session.scalars(
        select(Negotiation)
        .where(Negotiation.status == NegotiationStatus.OPEN.value, Negotiation.deadline < now)
        .order_by(Negotiation.deadline)
        .limit(limit)
    ).all()
    for neg in due:
        target = NEGOTIATION_LIFECYCLE.next_state(neg.status, "fallback")
        before = events.snapshot(neg, TRACKED)
        req = requests.require(session=session, request_id=neg.request_id)
        _take(session, neg, req, neg.first_receiver, "system:sla")
        neg.status = target
        neg.outcome_platform = neg.first_receiver
        neg.decided_by = "system:sla"
        neg.decided_at = now
        session.flush()
        _record(session, neg, "fallback", "system:sla", before, note="协商超时, 首接平台先行受理")
    return len(due)


def require(*, session: Session, negotiation_id: int) -> Negotiation:
    neg = session.get(Negotiation, negotiation_id)
    if neg is None:
        raise NotFound(ENTITY, negotiation_id)
    return neg


def notes(*, session: Session, negotiation_id: int) -> list[NegotiationNote]:
    return list(
        session.scalars(
            select(NegotiationNote)
            .where(NegotiationNote.negotiation_id == negotiation_id)
            .order_by(NegotiationNote.id)
        )
    )
