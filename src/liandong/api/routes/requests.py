"""Requests (诉求) endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Request, status

from liandong.api.auth import can, client_ip
from liandong.api.deps import PagingDep, SessionDep
from liandong.api.pages import Page
from liandong.api.routing import Router
from liandong.core.errors import PermissionDenied
from liandong.core.ids import IdPath
from liandong.events import service as events
from liandong.events.schemas import EventRead
from liandong.intake import flows, service
from liandong.intake.enums import Channel, RequestStatus
from liandong.intake.schemas import CloseBody, GuideBody, RequestCreate, RequestRead
from liandong.security import flows as security_flows
from liandong.security import pii, scopes
from liandong.security.enums import Perm
from liandong.security.principal import Principal
from liandong.security.schemas import UnmaskBody

router = Router(prefix="/api/v1/requests", tags=["requests 诉求"])

Reader = Annotated[Principal, can(Perm.REQUEST_READ)]
Writer = Annotated[Principal, can(Perm.REQUEST_WRITE)]


def masked(read: RequestRead) -> RequestRead:
    """Lists never show phone or ID numbers written inside the text."""
    read.content = pii.mask_text(read.content) or ""
    return read


@router.post("", status_code=status.HTTP_201_CREATED, response_model=RequestRead)
def create_request(
    data: RequestCreate, session: SessionDep, principal: Writer, request: Request
) -> RequestRead:
    limits = request.app.state.rate_limits
    limits.hit(f"token:{principal.token_id}")
    if data.caller_phone:
        limits.hit(f"caller:{pii.match_hash(data.caller_phone)}")
    return RequestRead.model_validate(flows.receive(session=session, data=data, actor=principal.actor))


@router.get("", response_model=Page[RequestRead])
def list_requests(
    session: SessionDep,
    paging: PagingDep,
    principal: Reader,
    status: RequestStatus | None = None,
    channel: Channel | None = None,
    adcode: str | None = None,
    received_from: datetime | None = None,
    received_to: datetime | None = None,
) -> Page[RequestRead]:
    if principal.is_unit:
        raise PermissionDenied("handling units see requests through their work orders")
    rows, total = service.list_requests(
        session=session, status=status, channel=channel, adcode=adcode, received_from=received_from,
        received_to=received_to, limit=paging.limit, offset=paging.offset,
    )  # fmt: skip
    items = [masked(RequestRead.model_validate(r)) for r in rows]
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.get("/{request_id}", response_model=RequestRead)
def get_request(request_id: IdPath, session: SessionDep, principal: Reader) -> RequestRead:
    req = service.require(session=session, request_id=request_id)
    scopes.check_request(session, principal, req)
    security_flows.record_read(
        session=session,
        actor=principal.actor,
        source_ip=principal.source_ip,
        entity_type="requests",
        entity_id=req.id,
    )
    return RequestRead.model_validate(req)


@router.post("/{request_id}/unmask")
def unmask_request(
    request_id: IdPath, body: UnmaskBody, session: SessionDep, principal: Annotated[Principal, can(Perm.PII_UNMASK)],
    request: Request,
) -> dict[str, Any]:  # fmt: skip
    """The caller's full name and number, for a call-back; recorded in the audit log with the reason."""
    req = service.require(session=session, request_id=request_id)
    security_flows.record_unmask(
        session=session,
        actor=principal.actor,
        source_ip=client_ip(request),
        entity_type="requests",
        entity_id=req.id,
        reason=body.reason,
    )
    return {
        "caller_name": pii.decrypt(req.caller_name_enc) if req.caller_name_enc else None,
        "caller_phone": pii.decrypt(req.caller_phone_enc) if req.caller_phone_enc else None,
    }


@router.post("/{request_id}/guide", response_model=RequestRead)
def guide_request(request_id: IdPath, body: GuideBody, session: SessionDep, principal: Writer) -> RequestRead:
    req = flows.guide(session=session, request_id=request_id, body=body, actor=principal.actor)
    return RequestRead.model_validate(req)


@router.post("/{request_id}/close", response_model=RequestRead)
def close_request(request_id: IdPath, body: CloseBody, session: SessionDep, principal: Writer) -> RequestRead:
    req = flows.close(session=session, request_id=request_id, body=body, actor=principal.actor)
    return RequestRead.model_validate(req)


@router.get("/{request_id}/events", response_model=list[EventRead])
def request_events(request_id: IdPath, session: SessionDep, principal: Reader) -> list[EventRead]:
    scopes.check_request(session, principal, service.require(session=session, request_id=request_id))
    rows = events.history(session=session, entity_type="request", entity_id=request_id)
    return [EventRead.model_validate(e) for e in rows]
