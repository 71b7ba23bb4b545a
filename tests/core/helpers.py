"""Small assertions shared by the core tests."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liandong.events.models import Event
from liandong.incident.models import PoliceIncident
from liandong.intake.models import ServiceRequest
from liandong.outbox.models import OutboxJob
from liandong.reference.models import Organisation
from liandong.workorder.models import WorkOrder

TABLES = (ServiceRequest, WorkOrder, PoliceIncident, Organisation, Event, OutboxJob)


def counts(session: Session) -> dict[str, int]:
    """Row counts of every core table: compared before/after a refused input to prove nothing was written."""
    session.expire_all()
    return {m.__tablename__: session.scalar(select(func.count()).select_from(m)) or 0 for m in TABLES}
