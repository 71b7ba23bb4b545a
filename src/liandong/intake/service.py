"""Requests: create, read, list, state changes with events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, lazyload

from liandong.core.errors import NotFound
from liandong.core.timeutil import utcnow
from liandong.events import service as events
from liandong.intake.lifecycle import REQUEST_LIFECYCLE
from liandong.intake.models import ServiceRequest
from liandong.intake.schemas import RequestCreate
from liandong.reference.service import check_adcode
from liandong.security import pii

ENTITY = "request"
TRACKED = ("status", "title", "location_text", "adcode", "resolution_note", "triage")


def create(
    *, session: Session, data: RequestCreate, actor: str, triage: dict[str, Any] | None = None
) -> ServiceRequest:
    received_at = data.received_at or utcnow()
    req = ServiceRequest(
        channel=data.channel.value,
        received_by=data.received_by.value,
        received_at=received_at,
        title=data.title,
        content=data.content,
        location_text=data.location_text,
        adcode=check_adcode("adcode", data.adcode),
        latitude=data.latitude,
        longitude=data.longitude,
        service_code=data.service_code,
        triage=triage,
        attachments=[],  # a new request has none: saves a lazy load when it is read back
    )
    if data.caller_name:
        req.caller_name_enc = pii.encrypt(data.caller_name)
        req.caller_name_masked = pii.mask_name(data.caller_name)
    if data.caller_phone:
        req.caller_phone_enc = pii.encrypt(pii.normalise_phone(data.caller_phone))
        req.caller_phone_hash = pii.match_hash(data.caller_phone)
        req.caller_phone_masked = pii.mask_phone(data.caller_phone)
    events.add_numbered(
        session=session, obj=req, prefix="SQ", when=received_at, entity_type=ENTITY, action="receive", actor=actor,
        fields=(*TRACKED, "channel", "received_by"),
    )  # fmt: skip
    return req


# One request's attachments load when read, not with it: most uses of a single request (a transfer, a work order,
# a state change) never look at them. Lists keep loading them for the whole page in one query.
_ONE = [lazyload(ServiceRequest.attachments)]


def get(*, session: Session, request_id: int) -> ServiceRequest | None:
    return session.get(ServiceRequest, request_id, options=_ONE)


def require(*, session: Session, request_id: int) -> ServiceRequest:
    req = session.get(ServiceRequest, request_id, options=_ONE)
    if req is None:
        raise NotFound(ENTITY, request_id)
    return req


def list_requests(
    *,
    session: Session,
    status: str | None = None,
    channel: str | None = None,
    adcode: str | None = None,
    received_from: datetime | None = None,
    received_to: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[ServiceRequest], int]:
    stmt = select(ServiceRequest)
    if status:
        stmt = stmt.where(ServiceRequest.status == status)
    if channel:
        stmt = stmt.where(ServiceRequest.channel == channel)
    if adcode:
        stmt = stmt.where(ServiceRequest.adcode.startswith(adcode))
    if received_from:
        stmt = stmt.where(ServiceRequest.received_at >= received_from)
    if received_to:
        stmt = stmt.where(ServiceRequest.received_at < received_to)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(ServiceRequest.id.desc()).limit(limit).offset(offset))
    return list(rows), total


def transition(
    *,
    session: Session,
    req: ServiceRequest,
    action: str,
    actor: str,
    changes: dict[str, Any] | None = None,
    note: str | None = None,
) -> ServiceRequest:
    """Apply a lifecycle action (refused with TransitionNotAllowed before anything changes)."""
    target = REQUEST_LIFECYCLE.next_state(req.status, action)
    before = events.snapshot(req, TRACKED)
    req.status = target
    for key, value in (changes or {}).items():
        setattr(req, key, value)
    session.flush()
    events.record_change(
        session=session,
        entity_type=ENTITY,
        obj=req,
        tracked=TRACKED,
        action=action,
        actor=actor,
        before=before,
        note=note,
    )
    return req
