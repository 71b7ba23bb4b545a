"""应急联动: activate a plan; notify hotlines through the durable worker; surge mode; remote seat support."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from liandong.core.errors import InvalidInput, NotFound
from liandong.core.timeutil import utcnow
from liandong.events import service as events
from liandong.linkage.enums import ActivationStatus
from liandong.linkage.lifecycle import ACTIVATION_LIFECYCLE, NOTIFICATION_LIFECYCLE
from liandong.linkage.models import EmergencyActivation, HotlineNotification
from liandong.linkage.schemas import ActivationCreate
from liandong.outbox import service as outbox
from liandong.reference.models import Organisation

ENTITY = "emergency_activation"


@dataclass(frozen=True)
class Plan:
    code: str
    name: str
    event_type: str
    notify: tuple[str, ...]
    message: str
    surge_mode: bool
    remote_seat_support: bool


@lru_cache
def plans() -> dict[str, Plan]:
    rows = yaml.safe_load(resources.files("liandong.linkage").joinpath("plans.yaml").read_text("utf-8"))
    return {
        r["code"]: Plan(
            code=r["code"],
            name=r["name"],
            event_type=r["event_type"],
            notify=tuple(r["notify"]),
            message=r["message"],
            surge_mode=bool(r["surge_mode"]),
            remote_seat_support=bool(r["remote_seat_support"]),
        )
        for r in rows
    }


def surge_active(*, session: Session) -> bool:
    """Surge mode is on while any active activation asked for it."""
    return (
        session.scalar(
            select(EmergencyActivation.id)
            .where(
                EmergencyActivation.status == ActivationStatus.ACTIVE.value,
                EmergencyActivation.surge_mode.is_(True),
            )
            .limit(1)
        )
        is not None
    )


def activate(*, session: Session, data: ActivationCreate, actor: str) -> EmergencyActivation:
    plan = plans().get(data.plan_code)
    if plan is None:
        raise InvalidInput("plan_code", f"unknown plan '{data.plan_code}'; known: {', '.join(plans())}")
    if data.remote_seats and not plan.remote_seat_support:
        raise InvalidInput("remote_seats", f"plan '{plan.code}' does not request remote seat support")
    activation = EmergencyActivation(
        plan_code=plan.code,
        title=data.title,
        description=data.description,
        adcode=data.adcode,
        surge_mode=plan.surge_mode,
        remote_seats_requested=data.remote_seats,
        activated_by=actor,
    )
    session.add(activation)
    session.flush()
    message = plan.message.format(title=data.title, description=data.description)
    hotlines = session.scalars(
        select(Organisation).where(Organisation.kind.in_(plan.notify), Organisation.active.is_(True))
    ).all()
    for org in hotlines:
        note = HotlineNotification(activation_id=activation.id, organisation_id=org.id, message=message)
        session.add(note)
        session.flush()
        outbox.enqueue(
            session=session,
            topic="linkage.notify_hotline",
            payload={"notification_id": note.id},
            dedupe_key=f"notify:{note.id}",
        )
    events.record(
        session=session,
        entity_type=ENTITY,
        entity_id=activation.id,
        action="activate",
        actor=actor,
        before={},
        after={
            "plan": plan.code,
            "notified": [o.code for o in hotlines],
            "surge_mode": plan.surge_mode,
            "remote_seats": data.remote_seats,
        },
        to_state=activation.status,
    )
    return activation


def close(*, session: Session, activation_id: int, actor: str) -> EmergencyActivation:
    activation = require(session=session, activation_id=activation_id)
    before = activation.status
    activation.status = ACTIVATION_LIFECYCLE.next_state(before, "close")
    activation.closed_at = utcnow()
    session.flush()
    events.record(
        session=session,
        entity_type=ENTITY,
        entity_id=activation.id,
        action="close",
        actor=actor,
        before={"status": before},
        after={"status": activation.status},
        from_state=before,
        to_state=activation.status,
    )
    return activation


def require(*, session: Session, activation_id: int) -> EmergencyActivation:
    activation = session.get(EmergencyActivation, activation_id)
    if activation is None:
        raise NotFound(ENTITY, activation_id)
    return activation


def notifications(*, session: Session, activation_id: int) -> list[HotlineNotification]:
    return list(
        session.scalars(
            select(HotlineNotification)
            .where(HotlineNotification.activation_id == activation_id)
            .order_by(HotlineNotification.id)
        )
    )


def deliver(*, session: Session, notification_id: int) -> None:
    """Worker: mark a hotline notification delivered (the exchange relays it where the hotline is a peer node)."""
    note = session.get(HotlineNotification, notification_id)
    if note is None or not NOTIFICATION_LIFECYCLE.can(note.status, "deliver"):
        return  # idempotent: already delivered, acknowledged or gone
    note.status = NOTIFICATION_LIFECYCLE.next_state(note.status, "deliver")
    note.delivered_at = utcnow()
    session.flush()


def require_notification(*, session: Session, notification_id: int) -> HotlineNotification:
    note = session.get(HotlineNotification, notification_id)
    if note is None:
        raise NotFound("hotline notification", notification_id)
    return note


def acknowledge(*, session: Session, notification_id: int, actor: str) -> HotlineNotification:
    """The notified hotline confirms it received the plan's notice (acknowledging twice changes nothing)."""
    note = require_notification(session=session, notification_id=notification_id)
    before = note.status
    note.status = NOTIFICATION_LIFECYCLE.next_state(before, "acknowledge")
    if note.status == before:
        return note
    note.acknowledged_at = utcnow()
    session.flush()
    events.record(
        session=session,
        entity_type=ENTITY,
        entity_id=note.activation_id,
        action="acknowledge",
        actor=actor,
        before={"notification": note.id, "status": before},
        after={"notification": note.id, "status": note.status},
    )
    return note
