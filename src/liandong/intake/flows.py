"""Request use cases; each commits once."""

from __future__ import annotations

from sqlalchemy.orm import Session

from liandong.intake import service
from liandong.intake.models import ServiceRequest
from liandong.intake.schemas import CloseBody, GuideBody, RequestCreate


def receive(*, session: Session, data: RequestCreate, actor: str) -> ServiceRequest:
    req = service.create(session=session, data=data, actor=actor)
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
