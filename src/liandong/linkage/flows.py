"""Linkage use cases; each commits once."""

from __future__ import annotations

from sqlalchemy.orm import Session

from liandong.core.errors import InvalidInput
from liandong.incident import service as incidents
from liandong.incident.models import PoliceIncident
from liandong.intake import service as requests
from liandong.intake.models import ServiceRequest
from liandong.linkage import daily, emergency, negotiation, transfers
from liandong.linkage.enums import LinkKind
from liandong.linkage.models import (
    CoHandler,
    EmergencyActivation,
    HotlineNotification,
    Negotiation,
    NegotiationNote,
    Transfer,
)
from liandong.linkage.schemas import (
    ActivationCreate,
    GuidanceCreate,
    HandoverCreate,
    NegotiationCreate,
    NoteCreate,
    PoliceReferral,
    TransferAccept,
    TransferCreate,
)
from liandong.workorder import service as workorders
from liandong.workorder.models import WorkOrder


def transfer(*, session: Session, data: TransferCreate, actor: str) -> Transfer:
    row = transfers.create(session=session, data=data, actor=actor)
    session.commit()
    return row


def accept_transfer(*, session: Session, transfer_id: int, data: TransferAccept, actor: str) -> Transfer:
    row = transfers.accept(
        session=session,
        transfer=transfers.require(session=session, transfer_id=transfer_id),
        data=data,
        actor=actor,
    )
    session.commit()
    return row


def refuse_transfer(*, session: Session, transfer_id: int, reason: str, actor: str) -> Transfer:
    row = transfers.refuse(
        session=session,
        transfer=transfers.require(session=session, transfer_id=transfer_id),
        reason=reason,
        actor=actor,
    )
    session.commit()
    return row


def open_negotiation(*, session: Session, data: NegotiationCreate, actor: str) -> Negotiation:
    neg = negotiation.open_(session=session, data=data, actor=actor)
    session.commit()
    return neg


def add_note(*, session: Session, negotiation_id: int, data: NoteCreate, actor: str) -> NegotiationNote:
    neg = negotiation.require(session=session, negotiation_id=negotiation_id)
    note = negotiation.add_note(session=session, neg=neg, party=data.party, text=data.text, actor=actor)
    session.commit()
    return note


def predispatch(*, session: Session, negotiation_id: int, actor: str) -> Negotiation:
    neg = negotiation.require(session=session, negotiation_id=negotiation_id)
    negotiation.predispatch(session=session, neg=neg, actor=actor)
    session.commit()
    return neg


def decide(
    *, session: Session, negotiation_id: int, platform: str, note: str | None, actor: str
) -> Negotiation:
    neg = negotiation.require(session=session, negotiation_id=negotiation_id)
    negotiation.decide(session=session, neg=neg, platform=platform, note=note, actor=actor)
    session.commit()
    return neg


def guide(
    *, session: Session, data: GuidanceCreate, guidance: dict[str, str | None], actor: str
) -> ServiceRequest:
    """Record the guidance given from a maintained script (which body, number, channel)."""
    if not guidance:
        raise InvalidInput("guidance_id", f"unknown guidance script '{data.guidance_id}'")
    req = requests.require(session=session, request_id=data.request_id)
    referral = " / ".join(
        v for v in (guidance.get("body"), guidance.get("number"), guidance.get("channel")) if v
    )
    note = f"[{guidance.get('title')}] {referral}" + (f" — {data.note}" if data.note else "")
    requests.transition(
        session=session, req=req, action="guide", actor=actor, changes={"resolution_note": note[:2000]}
    )
    session.commit()
    return req


def handover(*, session: Session, incident_id: int, data: HandoverCreate, actor: str) -> WorkOrder:
    incident = incidents.require(session=session, incident_id=incident_id)
    order = daily.handover(session=session, incident=incident, data=data, actor=actor)
    session.commit()
    return order


def refer_to_police(
    *, session: Session, order_id: int, data: PoliceReferral, kind: LinkKind, actor: str
) -> PoliceIncident:
    order = workorders.require(session=session, order_id=order_id)
    incident = daily.refer_to_police(session=session, order=order, data=data, kind=kind, actor=actor)
    session.commit()
    return incident


def set_co_handlers(*, session: Session, order_id: int, unit_ids: list[int], actor: str) -> list[CoHandler]:
    order = workorders.require(session=session, order_id=order_id)
    rows = daily.set_co_handlers(session=session, order=order, unit_ids=unit_ids, actor=actor)
    session.commit()
    return rows


def co_handler_opinion(
    *, session: Session, order_id: int, unit_id: int, opinion: str, actor: str
) -> CoHandler:
    order = workorders.require(session=session, order_id=order_id)
    row = daily.co_handler_opinion(
        session=session, order=order, unit_id=unit_id, opinion=opinion, actor=actor
    )
    session.commit()
    return row


def activate_plan(*, session: Session, data: ActivationCreate, actor: str) -> EmergencyActivation:
    activation = emergency.activate(session=session, data=data, actor=actor)
    session.commit()
    return activation


def close_activation(*, session: Session, activation_id: int, actor: str) -> EmergencyActivation:
    activation = emergency.close(session=session, activation_id=activation_id, actor=actor)
    session.commit()
    return activation


def acknowledge_notification(*, session: Session, notification_id: int, actor: str) -> HotlineNotification:
    note = emergency.acknowledge(session=session, notification_id=notification_id, actor=actor)
    session.commit()
    return note
