"""Requests (诉求) endpoints."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, status

from liandong.api.deps import ActorDep, PagingDep, SessionDep
from liandong.api.pages import Page
from liandong.events import service as events
from liandong.events.schemas import EventRead
from liandong.intake import flows, service
from liandong.intake.enums import Channel, RequestStatus
from liandong.intake.schemas import CloseBody, GuideBody, RequestCreate, RequestRead

router = APIRouter(prefix="/api/v1/requests", tags=["requests 诉求"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=RequestRead)
def create_request(data: RequestCreate, session: SessionDep, actor: ActorDep) -> RequestRead:
    return RequestRead.model_validate(flows.receive(session=session, data=data, actor=actor))


@router.get("", response_model=Page[RequestRead])
def list_requests(
    session: SessionDep,
    paging: PagingDep,
    status: RequestStatus | None = None,
    channel: Channel | None = None,
    adcode: str | None = None,
    received_from: datetime | None = None,
    received_to: datetime | None = None,
) -> Page[RequestRead]:
    rows, total = service.list_requests(
        session=session,
        status=status,
        channel=channel,
        adcode=adcode,
        received_from=received_from,
        received_to=received_to,
        limit=paging.limit,
        offset=paging.offset,
    )
    items = [RequestRead.model_validate(r) for r in rows]
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.get("/{request_id}", response_model=RequestRead)
def get_request(request_id: int, session: SessionDep) -> RequestRead:
    return RequestRead.model_validate(service.require(session=session, request_id=request_id))


@router.post("/{request_id}/guide", response_model=RequestRead)
def guide_request(request_id: int, body: GuideBody, session: SessionDep, actor: ActorDep) -> RequestRead:
    return RequestRead.model_validate(flows.guide(session=session, request_id=request_id, body=body, actor=actor))


@router.post("/{request_id}/close", response_model=RequestRead)
def close_request(request_id: int, body: CloseBody, session: SessionDep, actor: ActorDep) -> RequestRead:
    return RequestRead.model_validate(flows.close(session=session, request_id=request_id, body=body, actor=actor))


@router.get("/{request_id}/events", response_model=list[EventRead])
def request_events(request_id: int, session: SessionDep) -> list[EventRead]:
    service.require(session=session, request_id=request_id)
    rows = events.history(session=session, entity_type="request", entity_id=request_id)
    return [EventRead.model_validate(e) for e in rows]
