"""Linkage endpoints: transfers, negotiations, guidance, daily linkage, emergency plans, live feed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import Query, Request, status
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from liandong.api.auth import can
from liandong.api.deps import PagingDep, SessionDep
from liandong.api.routing import Router
from liandong.core.errors import PermissionDenied
from liandong.core.ids import IdPath, IdQuery
from liandong.incident import service as incidents
from liandong.incident.schemas import IncidentRead
from liandong.intake.schemas import RequestRead
from liandong.linkage import daily, emergency, flows, links, negotiation, transfers
from liandong.linkage.enums import LinkKind
from liandong.linkage.schemas import (
    ActivationCreate,
    ActivationRead,
    CoHandlerOpinion,
    CoHandlersSet,
    GuidanceCreate,
    HandoverCreate,
    LinkedRecord,
    NegotiationCreate,
    NegotiationDecide,
    NegotiationRead,
    NoteCreate,
    NoteRead,
    NotificationRead,
    PoliceReferral,
    TransferAccept,
    TransferCreate,
    TransferRead,
    TransferRefuse,
)
from liandong.security import scopes
from liandong.security.enums import Perm, Role
from liandong.security.principal import Principal
from liandong.triage import store
from liandong.workorder import service as workorders
from liandong.workorder.schemas import WorkOrderRead

router = Router(prefix="/api/v1", tags=["linkage 联动"])

Seat = Annotated[Principal, can(Perm.REQUEST_WRITE)]
Reader = Annotated[Principal, can(Perm.REQUEST_READ)]
Supervisor = Annotated[Principal, can(Perm.SUPERVISE)]
ROLE_PLATFORM = {Role.SEAT_12345.value: "12345", Role.SEAT_110.value: "110"}


def platform_of(principal: Principal) -> str | None:
    """The platform a seat works for; supervisors and administrators act for either."""
    return ROLE_PLATFORM.get(principal.role)


def _check_receiver(principal: Principal, to_platform: str) -> None:
    mine = platform_of(principal)
    if mine is not None and mine != to_platform:
        raise PermissionDenied(f"a {mine} seat cannot answer a transfer addressed to {to_platform}")
    if mine is None and not (principal.can(Perm.SUPERVISE) or principal.can(Perm.EXCHANGE)):
        raise PermissionDenied("only the receiving platform's seats answer transfers")


@router.post("/linkage/transfers", status_code=status.HTTP_201_CREATED, response_model=TransferRead)
def create_transfer(data: TransferCreate, session: SessionDep, principal: Seat) -> TransferRead:
    """一键转接 / 线上转交 to another platform."""
    if data.from_platform is None and platform_of(principal):
        data = data.model_copy(update={"from_platform": platform_of(principal)})
    return TransferRead.model_validate(flows.transfer(session=session, data=data, actor=principal.actor))


@router.get("/linkage/transfers", response_model=list[TransferRead])
def list_transfers(
    session: SessionDep,
    paging: PagingDep,
    _: Reader,
    to_platform: str | None = None,
    from_platform: str | None = None,
    status: Literal["pending", "accepted", "refused", "expired", "cancelled"] | None = None,
    request_id: IdQuery = None,
) -> list[TransferRead]:
    rows = transfers.list_transfers(
        session=session,
        to_platform=to_platform,
        from_platform=from_platform,
        status=status,
        request_id=request_id,
        limit=paging.limit,
        offset=paging.offset,
    )
    return [TransferRead.model_validate(t) for t in rows]


@router.get("/linkage/transfers/{transfer_id}", response_model=TransferRead)
def get_transfer(transfer_id: IdPath, session: SessionDep, _: Reader) -> TransferRead:
    return TransferRead.model_validate(transfers.require(session=session, transfer_id=transfer_id))


@router.post("/linkage/transfers/{transfer_id}/accept", response_model=TransferRead)
def accept_transfer(
    transfer_id: IdPath, data: TransferAccept, session: SessionDep, principal: Reader
) -> TransferRead:
    """受理反馈: accept and register on the receiving side."""
    _check_receiver(principal, transfers.require(session=session, transfer_id=transfer_id).to_platform)
    row = flows.accept_transfer(session=session, transfer_id=transfer_id, data=data, actor=principal.actor)
    return TransferRead.model_validate(row)


@router.post("/linkage/transfers/{transfer_id}/refuse", response_model=TransferRead)
def refuse_transfer(
    transfer_id: IdPath, data: TransferRefuse, session: SessionDep, principal: Reader
) -> TransferRead:
    """拒收 with a reason: the request goes back to the sender."""
    _check_receiver(principal, transfers.require(session=session, transfer_id=transfer_id).to_platform)
    row = flows.refuse_transfer(
        session=session, transfer_id=transfer_id, reason=data.reason, actor=principal.actor
    )
    return TransferRead.model_validate(row)


def _read_negotiation(session: Session, neg_id: IdPath) -> NegotiationRead:
    neg = negotiation.require(session=session, negotiation_id=neg_id)
    read = NegotiationRead.model_validate(neg)
    read.notes = [
        NoteRead.model_validate(n) for n in negotiation.notes(session=session, negotiation_id=neg_id)
    ]
    return read


@router.post("/linkage/negotiations", status_code=status.HTTP_201_CREATED, response_model=NegotiationRead)
def open_negotiation(data: NegotiationCreate, session: SessionDep, principal: Seat) -> NegotiationRead:
    """三方通话: open; an emergency pre-dispatches 110 at once."""
    neg = flows.open_negotiation(session=session, data=data, actor=principal.actor)
    return _read_negotiation(session, neg.id)


@router.get("/linkage/negotiations/{negotiation_id}", response_model=NegotiationRead)
def get_negotiation(negotiation_id: IdPath, session: SessionDep, _: Reader) -> NegotiationRead:
    return _read_negotiation(session, negotiation_id)


@router.post("/linkage/negotiations/{negotiation_id}/notes", response_model=NegotiationRead)
def negotiation_note(
    negotiation_id: IdPath, data: NoteCreate, session: SessionDep, principal: Seat
) -> NegotiationRead:
    flows.add_note(session=session, negotiation_id=negotiation_id, data=data, actor=principal.actor)
    return _read_negotiation(session, negotiation_id)


@router.post("/linkage/negotiations/{negotiation_id}/predispatch", response_model=NegotiationRead)
def negotiation_predispatch(
    negotiation_id: IdPath, session: SessionDep, principal: Annotated[Principal, can(Perm.INCIDENT_WRITE)]
) -> NegotiationRead:
    """先行处置: 110 dispatches now, whatever the negotiation decides."""
    flows.predispatch(session=session, negotiation_id=negotiation_id, actor=principal.actor)
    return _read_negotiation(session, negotiation_id)


@router.post("/linkage/negotiations/{negotiation_id}/decide", response_model=NegotiationRead)
def negotiation_decide(
    negotiation_id: IdPath, data: NegotiationDecide, session: SessionDep, principal: Seat
) -> NegotiationRead:
    flows.decide(
        session=session,
        negotiation_id=negotiation_id,
        platform=data.platform,
        note=data.note,
        actor=principal.actor,
    )
    return _read_negotiation(session, negotiation_id)


@router.post("/linkage/guidance", response_model=RequestRead)
def record_guidance(
    data: GuidanceCreate, request: Request, session: SessionDep, principal: Seat
) -> RequestRead:
    """合理引导: record the guidance script given to an out-of-scope caller."""
    script = next((g for g in guidance_scripts(session, principal) if g["id"] == data.guidance_id), {})
    req = flows.guide(session=session, data=data, guidance=script, actor=principal.actor)
    return RequestRead.model_validate(req)


@router.get("/linkage/guidance-scripts")
def guidance_scripts(session: SessionDep, _: Reader) -> list[dict[str, Any]]:
    """The maintained guidance list (part of the triage item list)."""
    rules = store.current_rules(session=session)
    return [
        {
            "id": g.id,
            "title": g.title,
            "body": g.body,
            "referral_body": g.body,
            "number": g.number,
            "referral_phone": g.number,
            "channel": g.channel,
            "referral_channel": g.channel,
        }
        for g in rules.guidance
    ]


@router.post(
    "/incidents/{incident_id}/handover", status_code=status.HTTP_201_CREATED, response_model=WorkOrderRead
)
def incident_handover(
    incident_id: IdPath,
    data: HandoverCreate,
    session: SessionDep,
    principal: Annotated[Principal, can(Perm.INCIDENT_WRITE)],
) -> WorkOrderRead:
    """110 hands the underlying matter to 12345 as a work order (日常联动)."""
    order = flows.handover(session=session, incident_id=incident_id, data=data, actor=principal.actor)
    return workorders.to_read(order)


@router.post(
    "/work-orders/{order_id}/clue-to-110", status_code=status.HTTP_201_CREATED, response_model=IncidentRead
)
def clue_to_110(
    order_id: IdPath,
    data: PoliceReferral,
    session: SessionDep,
    principal: Annotated[Principal, can(Perm.WORK_ORDER_WRITE)],
) -> IncidentRead:
    """12345 hands a clue affecting social stability to 110."""
    incident = flows.refer_to_police(
        session=session, order_id=order_id, data=data, kind=LinkKind.CLUE, actor=principal.actor
    )
    return incidents.to_read(incident)


@router.post(
    "/work-orders/{order_id}/escalate", status_code=status.HTTP_201_CREATED, response_model=IncidentRead
)
def escalate(
    order_id: IdPath,
    data: PoliceReferral,
    session: SessionDep,
    principal: Annotated[Principal, can(Perm.WORK_ORDER_READ)],
) -> IncidentRead:
    """A handling unit escalates a worsening dispute to 110 with one action."""
    order = workorders.require(session=session, order_id=order_id)
    scopes.check_work_order(principal, order)
    if not (principal.can(Perm.WORK_ORDER_HANDLE) or principal.can(Perm.WORK_ORDER_WRITE)):
        raise PermissionDenied("only the handling unit or the centre escalates a work order")
    incident = flows.refer_to_police(
        session=session, order_id=order_id, data=data, kind=LinkKind.ESCALATION, actor=principal.actor
    )
    return incidents.to_read(incident)


@router.get("/work-orders/{order_id}/links", response_model=list[LinkedRecord])
def work_order_links(
    order_id: IdPath, session: SessionDep, principal: Annotated[Principal, can(Perm.WORK_ORDER_READ)]
) -> list[LinkedRecord]:
    scopes.check_work_order(principal, workorders.require(session=session, order_id=order_id))
    return links.for_work_order(
        session=session,
        work_order_id=order_id,
        include_confidential=principal.can(Perm.INCIDENT_READ_CONFIDENTIAL),
    )


@router.get("/incidents/{incident_id}/links", response_model=list[LinkedRecord])
def incident_links(
    incident_id: IdPath, session: SessionDep, principal: Annotated[Principal, can(Perm.INCIDENT_READ)]
) -> list[LinkedRecord]:
    scopes.check_incident(principal, incidents.require(session=session, incident_id=incident_id))
    return links.for_incident(session=session, incident_id=incident_id)


@router.put("/work-orders/{order_id}/co-handlers")
def set_co_handlers(
    order_id: IdPath,
    data: CoHandlersSet,
    session: SessionDep,
    principal: Annotated[Principal, can(Perm.WORK_ORDER_WRITE)],
) -> list[dict[str, Any]]:
    """联合调处: one lead unit (the handling unit) and co-handlers."""
    rows = flows.set_co_handlers(
        session=session, order_id=order_id, unit_ids=data.unit_ids, actor=principal.actor
    )
    return [{"unit_id": r.unit_id, "opinion": r.opinion, "responded_at": r.responded_at} for r in rows]


@router.post("/work-orders/{order_id}/co-handlers/opinion")
def co_handler_opinion(
    order_id: IdPath,
    data: CoHandlerOpinion,
    session: SessionDep,
    principal: Annotated[Principal, can(Perm.WORK_ORDER_HANDLE)],
) -> dict[str, Any]:
    if not daily.is_co_handler(session=session, order_id=order_id, unit_id=principal.organisation_id):
        raise PermissionDenied("only a co-handling unit gives a co-handler opinion")
    assert principal.organisation_id is not None
    row = flows.co_handler_opinion(
        session=session,
        order_id=order_id,
        unit_id=principal.organisation_id,
        opinion=data.opinion,
        actor=principal.actor,
    )
    return {"unit_id": row.unit_id, "opinion": row.opinion, "responded_at": row.responded_at}


@router.get("/linkage/plans")
def list_plans(_: Reader) -> list[dict[str, Any]]:
    return [vars(p) for p in emergency.plans().values()]


def _read_activation(session: Session, activation_id: IdPath) -> ActivationRead:
    read = ActivationRead.model_validate(emergency.require(session=session, activation_id=activation_id))
    rows = emergency.notifications(session=session, activation_id=activation_id)
    read.notifications = [NotificationRead.model_validate(x) for x in rows]
    return read


@router.post("/linkage/activations", status_code=status.HTTP_201_CREATED, response_model=ActivationRead)
def activate_plan(data: ActivationCreate, session: SessionDep, principal: Supervisor) -> ActivationRead:
    """应急联动: activate a plan (notify hotlines, surge mode, remote seat support)."""
    activation = flows.activate_plan(session=session, data=data, actor=principal.actor)
    return _read_activation(session, activation.id)


@router.get("/linkage/activations/{activation_id}", response_model=ActivationRead)
def get_activation(activation_id: IdPath, session: SessionDep, _: Reader) -> ActivationRead:
    return _read_activation(session, activation_id)


@router.post("/linkage/notifications/{notification_id}/acknowledge", response_model=NotificationRead)
def acknowledge_notification(
    notification_id: IdPath, session: SessionDep, principal: Annotated[Principal, can()]
) -> NotificationRead:
    """The notified hotline (its own staff, or a supervisor) confirms receipt of an emergency plan's notice."""
    scopes.check_notification(
        principal, emergency.require_notification(session=session, notification_id=notification_id)
    )
    note = flows.acknowledge_notification(
        session=session, notification_id=notification_id, actor=principal.actor
    )
    return NotificationRead.model_validate(note)


@router.post("/linkage/activations/{activation_id}/close", response_model=ActivationRead)
def close_activation(activation_id: IdPath, session: SessionDep, principal: Supervisor) -> ActivationRead:
    flows.close_activation(session=session, activation_id=activation_id, actor=principal.actor)
    return _read_activation(session, activation_id)


@router.get("/linkage/surge")
def surge_state(session: SessionDep, _: Reader) -> dict[str, bool]:
    return {"surge_mode": emergency.surge_active(session=session)}


@router.get("/linkage/stream")
async def stream(
    request: Request,
    session: SessionDep,
    principal: Reader,
    after_id: Annotated[int, Query(ge=0)] = 0,
    once: Annotated[
        bool, Query(description="send what is pending and close (for tests and polling)")
    ] = False,
) -> StreamingResponse:
    """Server-sent events: transfers addressed to the caller's platform, as they arrive."""
    platform = platform_of(principal)
    factory = request.app.state.session_factory
    # Authentication is done: end that transaction now, or a stream would hold it (and SQLite's lock) for hours.
    session.close()

    def poll(last: int) -> list[dict[str, Any]]:
        with factory() as poll_session:
            rows = transfers.list_transfers(
                session=poll_session, to_platform=platform, after_id=last, limit=100
            )
            return [TransferRead.model_validate(r).model_dump(mode="json") for r in rows]

    async def events() -> AsyncIterator[str]:
        last = after_id
        while True:
            for item in await asyncio.to_thread(poll, last):
                last = max(last, item["id"])
                yield f"id: {item['id']}\nevent: transfer\ndata: {json.dumps(item, ensure_ascii=False)}\n\n"
            if once or await request.is_disconnected():
                return
            yield ": keep-alive\n\n"
            await asyncio.sleep(1.0)

    return StreamingResponse(events(), media_type="text/event-stream")
