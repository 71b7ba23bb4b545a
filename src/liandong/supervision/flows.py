"""Supervision use cases; each commits once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from liandong.core.timeutil import utcnow
from liandong.linkage import negotiation, transfers
from liandong.security import audit
from liandong.supervision import service
from liandong.supervision.models import SupervisionOrder
from liandong.supervision.schemas import SweepResult


def sweep(*, session: Session, now: datetime | None = None, actor: str = service.SYSTEM) -> SweepResult:
    """One SLA sweep in one transaction: reminders, overdue supervision, transfer timeouts, negotiation fallback."""
    now = now or utcnow()
    reminders, overdue = service.sweep_work_orders(session=session, now=now)
    expired = transfers.expire_due(session=session, now=now)
    fallback = negotiation.fallback_due(session=session, now=now)
    result = SweepResult(
        reminders=reminders, overdue=overdue, transfers_expired=expired, negotiations_fallback=fallback
    )
    if reminders or overdue:
        # The set-based inserts bypass the ORM audit hook: one audit row records the sweep's effect.
        audit.append(session=session, actor=actor, action="supervision.sweep", detail=result.model_dump())
    session.commit()
    return result


def issue(
    *, session: Session, work_order_id: int, reason: str, respond_within_hours: int, actor: str
) -> SupervisionOrder:
    row = service.issue(
        session=session,
        work_order_id=work_order_id,
        reason=reason,
        respond_within_hours=respond_within_hours,
        actor=actor,
    )
    session.commit()
    return row


def respond(*, session: Session, supervision_id: int, response: str, actor: str) -> SupervisionOrder:
    row = service.respond(session=session, supervision_id=supervision_id, response=response, actor=actor)
    session.commit()
    return row
