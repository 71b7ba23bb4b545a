"""Police incident (警单) endpoints: CRUD and one endpoint per lifecycle action."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Request, status
from pydantic import BaseModel
from sqlalchemy.orm import Session

from liandong.api.actions import add_action_routes
from liandong.api.auth import can, client_ip
from liandong.api.deps import PagingDep, SessionDep
from liandong.api.pages import Page
from liandong.api.routing import Router
from liandong.core.ids import IdPath, IdQuery
from liandong.events import service as events
from liandong.events.schemas import EventRead
from liandong.incident import flows, service
from liandong.incident.enums import IncidentStatus
from liandong.incident.lifecycle import INCIDENT_LIFECYCLE
from liandong.incident.schemas import ACTION_BODIES, IncidentCreate, IncidentRead
from liandong.security import flows as security_flows
from liandong.security import pii, scopes
from liandong.security.enums import Perm
from liandong.security.principal import Principal
from liandong.security.schemas import UnmaskBody

router = Router(prefix="/api/v1/incidents", tags=["police incidents 警单"])

Reader = Annotated[Principal, can(Perm.INCIDENT_READ)]
Writer = Annotated[Principal, can(Perm.INCIDENT_WRITE)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=IncidentRead)
def create_incident(data: IncidentCreate, session: SessionDep, principal: Writer) -> IncidentRead:
    return service.to_read(flows.register(session=session, data=data, actor=principal.actor))


@router.get("", response_model=Page[IncidentRead])
def list_incidents(
    session: SessionDep,
    paging: PagingDep,
    principal: Reader,
    status: IncidentStatus | None = None,
    category_code: str | None = None,
    jurisdiction_unit_id: IdQuery = None,
) -> Page[IncidentRead]:
    rows, total = service.list_incidents(
        session=session, status=status, category_code=category_code, jurisdiction_unit_id=jurisdiction_unit_id,
        limit=paging.limit, offset=paging.offset, visible=lambda stmt: scopes.incidents_visible(stmt, principal),
    )  # fmt: skip
    items = [service.to_read(i) for i in rows]
    for item in items:
        item.content = pii.mask_text(item.content) or ""
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.get("/{incident_id}", response_model=IncidentRead)
def get_incident(incident_id: IdPath, session: SessionDep, principal: Reader) -> IncidentRead:
    incident = service.require(session=session, incident_id=incident_id)
    scopes.check_incident(principal, incident)
    security_flows.record_read(
        session=session,
        actor=principal.actor,
        source_ip=principal.source_ip,
        entity_type="incidents",
        entity_id=incident.id,
    )
    return service.to_read(incident)


@router.post("/{incident_id}/unmask")
def unmask_incident(
    incident_id: IdPath, body: UnmaskBody, session: SessionDep,
    principal: Annotated[Principal, can(Perm.PII_UNMASK, Perm.INCIDENT_READ)], request: Request,
) -> dict[str, Any]:  # fmt: skip
    incident = service.require(session=session, incident_id=incident_id)
    scopes.check_incident(principal, incident)
    security_flows.record_unmask(
        session=session,
        actor=principal.actor,
        source_ip=client_ip(request),
        entity_type="incidents",
        entity_id=incident.id,
        reason=body.reason,
    )
    return {"caller_phone": pii.decrypt(incident.caller_phone_enc) if incident.caller_phone_enc else None}


@router.get("/{incident_id}/events", response_model=list[EventRead])
def incident_events(incident_id: IdPath, session: SessionDep, principal: Reader) -> list[EventRead]:
    scopes.check_incident(principal, service.require(session=session, incident_id=incident_id))
    rows = events.history(session=session, entity_type="incident", entity_id=incident_id)
    return [EventRead.model_validate(e) for e in rows]


def _act(
    session: Session, principal: Principal, incident_id: int, action: str, body: BaseModel
) -> IncidentRead:
    scopes.check_incident(principal, service.require(session=session, incident_id=incident_id))
    return service.to_read(
        flows.act(session=session, incident_id=incident_id, action=action, body=body, actor=principal.actor)
    )


add_action_routes(
    router, lifecycle=INCIDENT_LIFECYCLE, bodies=ACTION_BODIES, id_name="incident_id", principal=Writer,
    perform=_act, response_model=IncidentRead, noun="incident",
)  # fmt: skip
