"""Request use cases; each commits once."""

from __future__ import annotations

from sqlalchemy.orm import Session

from liandong.config import get_settings
from liandong.intake import service
from liandong.intake.models import ServiceRequest
from liandong.intake.schemas import CloseBody, GuideBody, RequestCreate
from liandong.reference import address
from liandong.triage import store


def receive(*, session: Session, data: RequestCreate, actor: str) -> ServiceRequest:
    """Register a request with its triage decision (platform, emergency, reasons) and, when the text names a place
    and the caller gave no division code, the division it resolves to without ambiguity."""
    text = f"{data.title or ''} {data.content}".strip()
    decision = store.decide(session=session, text=text).model_dump(mode="json")
    if data.adcode is None:
        place = data.location_text or next(iter(decision.get("locations") or []), None)
        if place:
            found = address.resolve(place, context_adcode=get_settings().city_adcode)
            if found.adcode and not found.ambiguous and len(found.adcode) >= 6:
                data = data.model_copy(update={"adcode": found.adcode})
    req = service.create(session=session, data=data, actor=actor, triage=decision)
    session.commit()
    return req


def guide(*, session: Session, request_id: int, body: GuideBody, actor: str) -> ServiceRequest:
    """Record guidance for a matter outside 12345 and 110 (合理引导和解释)."""
    req = service.require(session=session, request_id=request_id)
    referral = " / ".join(x for x in (body.referral_body, body.referral_phone, body.referral_channel) if x)
    note = body.note + (f" [转介: {referral}]" if referral else "")
    service.transition(
        session=session, req=req, action="guide", actor=actor, changes={"resolution_note": note}
    )
    session.commit()
    return req


def close(*, session: Session, request_id: int, body: CloseBody, actor: str) -> ServiceRequest:
    req = service.require(session=session, request_id=request_id)
    service.transition(
        session=session, req=req, action="close", actor=actor, changes={"resolution_note": body.reason}
    )
    session.commit()
    return req
