"""Police incident (警单) endpoints: CRUD and one endpoint per lifecycle action."""

# No `from __future__ import annotations`: see work_orders.py.
from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel

from liandong.api.deps import ActorDep, PagingDep, SessionDep
from liandong.api.pages import Page
from liandong.events import service as events
from liandong.events.schemas import EventRead
from liandong.incident import flows, service
from liandong.incident.enums import IncidentStatus
from liandong.incident.lifecycle import INCIDENT_LIFECYCLE
from liandong.incident.schemas import ACTION_BODIES, IncidentCreate, IncidentRead

router = APIRouter(prefix="/api/v1/incidents", tags=["police incidents 警单"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=IncidentRead)
def create_incident(data: IncidentCreate, session: SessionDep, actor: ActorDep) -> IncidentRead:
    return service.to_read(flows.register(session=session, data=data, actor=actor))


@router.get("", response_model=Page[IncidentRead])
def list_incidents(
    session: SessionDep,
    paging: PagingDep,
    status: IncidentStatus | None = None,
    category_code: str | None = None,
    jurisdiction_unit_id: int | None = None,
) -> Page[IncidentRead]:
    rows, total = service.list_incidents(
        session=session,
        status=status,
        category_code=category_code,
        jurisdiction_unit_id=jurisdiction_unit_id,
        limit=paging.limit,
        offset=paging.offset,
    )
    return Page(items=[service.to_read(i) for i in rows], total=total, limit=paging.limit, offset=paging.offset)


@router.get("/{incident_id}", response_model=IncidentRead)
def get_incident(incident_id: int, session: SessionDep) -> IncidentRead:
    return service.to_read(service.require(session=session, incident_id=incident_id))


@router.get("/{incident_id}/events", response_model=list[EventRead])
def incident_events(incident_id: int, session: SessionDep) -> list[EventRead]:
    service.require(session=session, incident_id=incident_id)
    rows = events.history(session=session, entity_type="incident", entity_id=incident_id)
    return [EventRead.model_validate(e) for e in rows]


def _action_endpoint(action: str, body_cls: type[BaseModel]) -> Any:
    def endpoint(incident_id: int, body: body_cls, session: SessionDep, actor: ActorDep) -> IncidentRead:  # type: ignore[valid-type]
        return service.to_read(
            flows.act(session=session, incident_id=incident_id, action=action, body=body, actor=actor)
        )

    endpoint.__name__ = f"incident_{action}"
    return endpoint


for _action in sorted(INCIDENT_LIFECYCLE.actions):
    router.add_api_route(
        f"/{{incident_id}}/{_action.replace('_', '-')}",
        _action_endpoint(_action, ACTION_BODIES[_action]),
        methods=["POST"],
        response_model=IncidentRead,
        summary=f"Incident action: {_action}",
        responses={409: {"description": "action not allowed in the current state"}},
    )
