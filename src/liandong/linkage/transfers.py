"""转办: hand a request to another platform; the receiver accepts (受理反馈) or refuses; timeouts come back."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from liandong.config import get_settings
from liandong.core.errors import InvalidInput, NotFound
from liandong.core.timeutil import utcnow
from liandong.events import service as events
from liandong.exchange import outgoing as exchange_out
from liandong.exchange import routing
from liandong.incident import service as incidents
from liandong.incident.schemas import IncidentCreate
from liandong.intake import service as requests
from liandong.intake.models import ServiceRequest
from liandong.linkage.enums import LinkKind, TransferMode, TransferStatus
from liandong.linkage.lifecycle import TRANSFER_LIFECYCLE
from liandong.linkage.links import link
from liandong.linkage.models import Transfer
from liandong.linkage.schemas import TransferAccept, TransferCreate
from liandong.workorder import service as workorders
from liandong.workorder.enums import RequestType, parse_request_type
from liandong.workorder.schemas import WorkOrderCreate

ENTITY = "transfer"
TRACKED = ("status", "responded_at", "response_reason", "work_order_id", "incident_id", "completion_opinion")
POLICE_PLATFORMS = {"110", "122"}
DEFAULT_INCIDENT_CATEGORY = {"110": "02", "122": "03"}


def _triage_flag(req: ServiceRequest, key: str) -> object:
    return (req.triage or {}).get(key)


def _record(
    session: Session,
    transfer: Transfer,
    action: str,
    actor: str,
    before: dict[str, object],
    note: str | None = None,
) -> None:
    events.record_change(
        session=session,
        entity_type=ENTITY,
        obj=transfer,
        tracked=TRACKED,
        action=action,
        actor=actor,
        before=before,
        note=note,
    )


def create(*, session: Session, data: TransferCreate, actor: str, now: datetime | None = None) -> Transfer:
    """One-click transfer (一键转接) or online transfer; an emergency to 110 is registered at once (先行处置)."""
    now = now or utcnow()
    req = requests.require(session=session, request_id=data.request_id)
    from_platform = data.from_platform or req.received_by
    if from_platform == data.to_platform:
        raise InvalidInput("to_platform", "a request cannot be transferred to the platform that holds it")
    settings = get_settings()
    seconds = (
        settings.transfer_response_seconds_phone
        if data.mode == TransferMode.PHONE
        else settings.transfer_response_seconds_online
    )
    emergency = data.emergency if data.emergency is not None else bool(_triage_flag(req, "emergency"))
    requests.transition(session=session, req=req, action="transfer", actor=actor, note=data.reason)
    transfer = Transfer(
        transfer_uid=uuid.uuid4().hex,
        request_id=req.id,
        from_platform=from_platform,
        to_platform=data.to_platform,
        mode=data.mode,
        emergency=emergency,
        reason=data.reason,
        call_context=data.call_context,
        triage=req.triage,
        respond_by=now + timedelta(seconds=seconds),
        created_by=actor,
        created_at=now,
    )
    session.add(transfer)
    session.flush()
    _record(session, transfer, "transfer", actor, {}, note=data.reason)
    # To a platform a peer node runs: the message goes out in this transaction and the peer answers (and, in an
    # emergency, registers the 警单 at once on its side).
    remote = exchange_out.transfer_created(session=session, transfer=transfer, req=req)
    if emergency and data.to_platform in POLICE_PLATFORMS and not remote:
        # Policy 二(二)1: in an emergency 110 dispatches first; the 警单 exists before anyone answers.
        accept(
            session=session,
            transfer=transfer,
            data=TransferAccept(note="紧急警情, 先行处置"),
            actor="system:emergency",
            now=now,
        )
    return transfer


def require(*, session: Session, transfer_id: int) -> Transfer:
    transfer = session.get(Transfer, transfer_id)
    if transfer is None:
        raise NotFound(ENTITY, transfer_id)
    return transfer


def accept(
    *, session: Session, transfer: Transfer, data: TransferAccept, actor: str, now: datetime | None = None
) -> Transfer:
    """受理反馈 (accepted): the receiver registers the matter on its side."""
    now = now or utcnow()
    target = TRANSFER_LIFECYCLE.next_state(transfer.status, "accept")
    before = events.snapshot(transfer, TRACKED)
    req = requests.require(session=session, request_id=transfer.request_id)
    requests.transition(session=session, req=req, action="register", actor=actor, note="转办受理")
    receiver_number: str | None = None
    if transfer.to_platform == "12345":
        triage_type = _triage_flag(req, "request_type")
        request_type = data.request_type or (parse_request_type(triage_type) or RequestType.HELP)
        order = workorders.create(
            session=session,
            data=WorkOrderCreate(
                request_id=req.id,
                request_type=request_type,
                domain=data.domain,
                urgency=data.urgency,
                category=data.category or _category(req),
            ),
            request=req,
            actor=actor,
        )
        workorders.dispatch_to(session=session, order=order, unit_id=data.handling_unit_id, actor=actor)
        transfer.work_order_id = order.id
        receiver_number = order.number
        for incident_id in _incidents_of(session, req.id):
            link(
                session=session,
                work_order_id=order.id,
                incident_id=incident_id,
                kind=LinkKind.TRANSFER,
                actor=actor,
            )
    elif transfer.to_platform in POLICE_PLATFORMS:
        incident = incidents.create(
            session=session,
            data=IncidentCreate(
                request_id=req.id,
                category_code=data.category_code or _incident_category(transfer),
                priority=1 if transfer.emergency else 3,
            ),
            request=req,
            actor=actor,
        )
        incidents.dispatch_to(
            session=session, incident=incident, unit_id=data.jurisdiction_unit_id, actor=actor
        )
        transfer.incident_id = incident.id
        receiver_number = incident.number
        for order_id in _orders_of(session, req.id):
            link(
                session=session,
                work_order_id=order_id,
                incident_id=incident.id,
                kind=LinkKind.TRANSFER,
                actor=actor,
            )
    transfer.status = target
    transfer.responded_at = now
    transfer.responded_by = actor
    transfer.response_reason = data.note
    session.flush()
    _record(session, transfer, "accept", actor, before, note=data.note)
    exchange_out.transfer_answered(session=session, transfer=transfer, receiver_number=receiver_number)
    return transfer


def _category(req: ServiceRequest) -> str | None:
    value = _triage_flag(req, "category")
    return value if isinstance(value, str) else None


def _incident_category(transfer: Transfer) -> str:
    if transfer.emergency and transfer.to_platform == "110":
        return "07"
    return DEFAULT_INCIDENT_CATEGORY.get(transfer.to_platform, "02")


def _incidents_of(session: Session, request_id: int) -> list[int]:
    from liandong.incident.models import PoliceIncident

    return list(session.scalars(select(PoliceIncident.id).where(PoliceIncident.request_id == request_id)))


def _orders_of(session: Session, request_id: int) -> list[int]:
    from liandong.workorder.models import WorkOrder

    return list(session.scalars(select(WorkOrder.id).where(WorkOrder.request_id == request_id)))


def refuse(
    *,
    session: Session,
    transfer: Transfer,
    reason: str,
    actor: str,
    action: str = "refuse",
    now: datetime | None = None,
) -> Transfer:
    """拒收 (or 超时): the request goes back to the sender with the reason."""
    target = TRANSFER_LIFECYCLE.next_state(transfer.status, action)
    before = events.snapshot(transfer, TRACKED)
    req = requests.require(session=session, request_id=transfer.request_id)
    requests.transition(session=session, req=req, action="transfer_returned", actor=actor, note=reason)
    transfer.status = target
    transfer.responded_at = now or utcnow()
    transfer.responded_by = actor
    transfer.response_reason = reason
    session.flush()
    _record(session, transfer, action, actor, before, note=reason)
    exchange_out.transfer_answered(session=session, transfer=transfer, receiver_number=None)
    return transfer


def expire_due(*, session: Session, now: datetime | None = None, limit: int = 1000) -> int:
    """Pending transfers past their 受理反馈 deadline come back to the sender."""
    now = now or utcnow()
    due = session.scalars(
        select(Transfer)
        .where(Transfer.status == TransferStatus.PENDING.value, Transfer.respond_by < now)
        # A peer node answers (or expires) transfers to the platforms it runs; its 受理反馈 comes back here.
        .where(Transfer.to_platform.not_in(routing.remote_platforms()))
        .order_by(Transfer.respond_by)
        .limit(limit)
    ).all()
    for transfer in due:
        refuse(
            session=session,
            transfer=transfer,
            reason="受理反馈超时",
            actor="system:sla",
            action="expire",
            now=now,
        )
    return len(due)


def record_completion(
    *,
    session: Session,
    work_order_id: int | None = None,
    incident_id: int | None = None,
    opinion: str,
    at: datetime,
) -> list[Transfer]:
    """办结反馈: the receiver's outcome flows back onto the transfer the sender follows."""
    stmt = select(Transfer).where(Transfer.status == TransferStatus.ACCEPTED.value)
    if work_order_id is not None:
        stmt = stmt.where(Transfer.work_order_id == work_order_id)
    elif incident_id is not None:
        stmt = stmt.where(Transfer.incident_id == incident_id)
    else:
        return []
    found = list(session.scalars(stmt))
    for transfer in found:
        before = events.snapshot(transfer, TRACKED)
        transfer.completion_opinion = opinion
        transfer.completed_at = at
        session.flush()
        _record(session, transfer, "completion_feedback", "system:linkage", before, note=opinion[:2000])
    return found


def list_transfers(
    *,
    session: Session,
    to_platform: str | None = None,
    from_platform: str | None = None,
    status: str | None = None,
    request_id: int | None = None,
    after_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Transfer]:
    stmt = select(Transfer)
    if to_platform:
        stmt = stmt.where(Transfer.to_platform == to_platform)
    if from_platform:
        stmt = stmt.where(Transfer.from_platform == from_platform)
    if status:
        stmt = stmt.where(Transfer.status == status)
    if request_id is not None:
        stmt = stmt.where(Transfer.request_id == request_id)
    if after_id is not None:
        stmt = stmt.where(Transfer.id > after_id).order_by(Transfer.id)
    else:
        stmt = stmt.order_by(Transfer.id.desc())
    return list(session.scalars(stmt.limit(limit).offset(offset)))


def still_open(*, session: Session, limit: int = 50, offset: int = 0) -> list[Transfer]:
    """Transfers not yet closed on either side (pending, or accepted without completion feedback), oldest first."""
    stmt = (
        select(Transfer)
        .where(
            (Transfer.status == TransferStatus.PENDING.value)
            | ((Transfer.status == TransferStatus.ACCEPTED.value) & Transfer.completed_at.is_(None))
        )
        .order_by(Transfer.created_at)
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(stmt))
