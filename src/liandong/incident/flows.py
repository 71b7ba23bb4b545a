"""Police incident use cases; each commits once."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from liandong.incident import service
from liandong.incident.models import PoliceIncident
from liandong.incident.schemas import IncidentCreate
from liandong.intake import service as requests


def register(*, session: Session, data: IncidentCreate, actor: str) -> PoliceIncident:
    """接警: a 警单 from a request (or direct), dispatching at once when a unit is given."""
    req = None
    if data.request_id is not None:
        req = requests.require(session=session, request_id=data.request_id)
        requests.transition(session=session, req=req, action="register", actor=actor)
    incident = service.create(session=session, data=data, request=req, actor=actor)
    service.dispatch_to(session=session, incident=incident, unit_id=data.jurisdiction_unit_id, actor=actor)
    session.commit()
    return incident


def act(*, session: Session, incident_id: int, action: str, body: Any, actor: str) -> PoliceIncident:
    incident = service.require(session=session, incident_id=incident_id)
    service.apply_action(session=session, incident=incident, action=action, body=body, actor=actor)
    session.commit()
    return incident
