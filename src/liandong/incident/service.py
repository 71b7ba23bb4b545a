"""Police incidents: create, read, list, and lifecycle actions with events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from liandong.core.errors import InvalidInput, NotFound
from liandong.core.timeutil import utcnow
from liandong.events import service as events
from liandong.incident import schemas as s
from liandong.incident.lifecycle import INCIDENT_LIFECYCLE
from liandong.incident.models import PoliceIncident
from liandong.intake.models import ServiceRequest
from liandong.outbox import service as outbox
from liandong.reference.enums import OrgKind
from liandong.reference.models import Organisation
from liandong.reference.service import check_adcode
from liandong.security import pii

ENTITY = "incident"
TRACKED = (
    "status",
    "priority",
    "confidential",
    "jurisdiction_unit_id",
    "dispatched_at",
    "arrived_at",
    "resolved_at",
    "closed_at",
    "disposition",
    "feedback",
    "last_reason",
)
POLICE_UNIT_KINDS = {OrgKind.POLICE_STATION.value, OrgKind.POLICE_110.value, OrgKind.TRAFFIC_122.value}


def require_police_unit(*, session: Session, unit_id: int) -> Organisation:
    unit = session.get(Organisation, unit_id)
    if unit is None or not unit.active or unit.kind not in POLICE_UNIT_KINDS:
        raise InvalidInput("jurisdiction_unit_id", f"{unit_id} is not an active police unit (管辖单位)")
    return unit


def create(
    *,
    session: Session,
    data: s.IncidentCreate,
    request: ServiceRequest | None,
    actor: str,
    external_number: str | None = None,
) -> PoliceIncident:
    """Register a 警单 (接警), from a request or directly."""
    content = data.content or (request.content if request else None)
    if not content:
        raise InvalidInput("content", "an incident needs content or a request")
    now = utcnow()
    incident = PoliceIncident(
        request_id=request.id if request else None,
        external_number=external_number,
        category_code=data.category_code,
        priority=data.priority,
        confidential=data.confidential,
        reported_at=data.reported_at or (request.received_at if request else now),
        address=data.address or (request.location_text if request else None),
        content=content,
        adcode=check_adcode("adcode", data.adcode) or (request.adcode if request else None),
        created_by=actor,
    )
    if data.jurisdiction_unit_id is not None:
        incident.jurisdiction_unit_id = require_police_unit(
            session=session, unit_id=data.jurisdiction_unit_id
        ).id
    if data.caller_phone:
        incident.caller_phone_enc = pii.encrypt(pii.normalise_phone(data.caller_phone))
        incident.caller_phone_hash = pii.match_hash(data.caller_phone)
        incident.caller_phone_masked = pii.mask_phone(data.caller_phone)
    elif request is not None:
        incident.caller_phone_enc = request.caller_phone_enc
        incident.caller_phone_hash = request.caller_phone_hash
        incident.caller_phone_masked = request.caller_phone_masked
    events.add_numbered(
        session=session, obj=incident, prefix="JJ", when=now, entity_type=ENTITY, action="receive", actor=actor,
        fields=(*TRACKED, "request_id", "category_code"),
    )  # fmt: skip
    return incident


def get(*, session: Session, incident_id: int) -> PoliceIncident | None:
    return session.get(PoliceIncident, incident_id)


def require(*, session: Session, incident_id: int) -> PoliceIncident:
    incident = session.get(PoliceIncident, incident_id)
    if incident is None:
        raise NotFound(ENTITY, incident_id)
    return incident


def list_incidents(
    *,
    session: Session,
    status: str | None = None,
    category_code: str | None = None,
    jurisdiction_unit_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
    visible: Callable[[Select[Any]], Select[Any]] | None = None,
) -> tuple[list[PoliceIncident], int]:
    """Filtered, paginated incidents; `visible` narrows to what the caller may see."""
    stmt: Select[Any] = select(PoliceIncident)
    if visible is not None:
        stmt = visible(stmt)
    if status:
        stmt = stmt.where(PoliceIncident.status == status)
    if category_code:
        stmt = stmt.where(PoliceIncident.category_code == category_code)
    if jurisdiction_unit_id is not None:
        stmt = stmt.where(PoliceIncident.jurisdiction_unit_id == jurisdiction_unit_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(PoliceIncident.id.desc()).limit(limit).offset(offset))
    return list(rows), total


Effect = Callable[[Session, PoliceIncident, Any, datetime], None]


def _dispatch(session: Session, incident: PoliceIncident, body: Any, now: datetime) -> None:
    incident.jurisdiction_unit_id = require_police_unit(session=session, unit_id=body.jurisdiction_unit_id).id
    incident.dispatched_at = incident.dispatched_at or now


def _arrive(session: Session, incident: PoliceIncident, body: Any, now: datetime) -> None:
    incident.arrived_at = now


def _resolve(session: Session, incident: PoliceIncident, body: Any, now: datetime) -> None:
    incident.disposition = body.disposition
    incident.resolved_at = now


def _feedback(session: Session, incident: PoliceIncident, body: Any, now: datetime) -> None:
    incident.feedback = body.feedback
    incident.closed_at = now


def _cancel(session: Session, incident: PoliceIncident, body: Any, now: datetime) -> None:
    incident.last_reason = body.reason
    incident.closed_at = now


EFFECTS: dict[str, Effect] = {
    "dispatch": _dispatch,
    "redispatch": _dispatch,
    "arrive": _arrive,
    "resolve": _resolve,
    "feedback": _feedback,
    "cancel": _cancel,
}


def apply_action(
    *,
    session: Session,
    incident: PoliceIncident,
    action: str,
    body: Any,
    actor: str,
    now: datetime | None = None,
) -> PoliceIncident:
    if action not in EFFECTS:
        raise InvalidInput("action", f"unknown incident action '{action}'")
    target = INCIDENT_LIFECYCLE.next_state(incident.status, action)
    now = now or utcnow()
    before = events.snapshot(incident, TRACKED)
    EFFECTS[action](session, incident, body, now)
    incident.status = target
    session.flush()
    events.record_change(
        session=session,
        entity_type=ENTITY,
        obj=incident,
        tracked=TRACKED,
        action=action,
        actor=actor,
        before=before,
        note=getattr(body, "note", None) or getattr(body, "reason", None),
    )
    outbox.enqueue(session=session, topic="incident.changed",
                   payload={"incident_id": incident.id, "action": action, "status": target})  # fmt: skip
    return incident


def to_read(incident: PoliceIncident) -> s.IncidentRead:
    read = s.IncidentRead.model_validate(incident)
    read.allowed_actions = INCIDENT_LIFECYCLE.allowed_actions(incident.status)
    return read


def dispatch_to(
    *, session: Session, incident: PoliceIncident, unit_id: int | None, actor: str
) -> PoliceIncident:
    """派警 to `unit_id` when one is given (registering with a unit dispatches at once)."""
    if unit_id is not None:
        apply_action(
            session=session,
            incident=incident,
            action="dispatch",
            body=s.DispatchBody(jurisdiction_unit_id=unit_id),
            actor=actor,
        )
    return incident
