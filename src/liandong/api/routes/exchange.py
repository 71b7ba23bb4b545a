"""Node-to-node exchange: the signed inbox, delivery state, operator retry, the other side's view of an order."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select

from liandong.api.auth import can
from liandong.api.deps import PagingDep, SessionDep
from liandong.api.pages import Page
from liandong.api.routing import Router
from liandong.core.errors import InvalidInput, NotFound
from liandong.exchange import delivery, envelope, inbox
from liandong.exchange.models import ExchangeOrder
from liandong.exchange.reads import InboxResult, MessageRead, RemoteEvent, RemoteView
from liandong.security.enums import Perm
from liandong.security.principal import Principal

router = Router(prefix="/api/v1/exchange", tags=["exchange 平台互联"])

Operator = Annotated[Principal, can(Perm.EXCHANGE)]
Reader = Annotated[Principal, can(Perm.REQUEST_READ)]


@router.post("/inbox", response_model=InboxResult)
async def receive(request: Request, session: SessionDep) -> InboxResult:
    """A peer node's signed message (no user token: the HMAC signature authenticates the peer)."""
    raw = await request.body()
    settings = request.app.state.settings

    def store() -> InboxResult:
        doc = envelope.parse(raw)
        status = inbox.receive(session=session, doc=doc, settings=settings)
        session.commit()
        return InboxResult(status=status, message_id=str(doc["message_id"]))

    return await run_in_threadpool(store)  # the database work must not block the event loop


@router.get("/messages", response_model=Page[MessageRead])
def list_messages(
    session: SessionDep,
    paging: PagingDep,
    principal: Operator,
    status: Literal["pending", "delivered", "failed"] | None = None,
    order_key: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[MessageRead]:
    """Delivery state of outgoing messages: pending, delivered, or failed with the reason."""
    rows = delivery.list_messages(
        session=session, status=status, order_key=order_key, limit=paging.limit + 1, offset=paging.offset
    )
    items = [MessageRead.model_validate(r) for r in rows[: paging.limit]]
    return Page(items=items, total=paging.offset + len(rows), limit=paging.limit, offset=paging.offset)


@router.post("/messages/{message_id}/retry", response_model=MessageRead)
def retry_message(message_id: int, session: SessionDep, principal: Operator) -> MessageRead:
    """Re-queue a failed message (the operator fixed the peer's URL, key or the peer's data)."""
    if message_id < 1 or message_id > 2**62:
        raise InvalidInput("message_id", "out of range")
    msg = delivery.retry(session=session, message_id=message_id)
    session.commit()
    return MessageRead.model_validate(msg)


@router.get("/transfers/{uid}/remote", response_model=RemoteView)
def remote_view(uid: str, session: SessionDep, principal: Reader) -> RemoteView:
    """The other side's current status and history of a linked transfer, as received."""
    if len(uid) > 64:
        raise InvalidInput("uid", "too long")
    order = session.scalar(select(ExchangeOrder).where(ExchangeOrder.order_key == uid))
    if order is None:
        raise NotFound("exchanged transfer", uid)
    history = [
        RemoteEvent(
            seq=m.seq, type=m.type, sent_at=m.sent_at, applied_at=m.applied_at, payload=m.envelope["payload"]
        )
        for m in inbox.history(session=session, order_key=uid)
    ]
    return RemoteView(
        transfer_uid=uid,
        peer=order.peer,
        remote_status=order.remote_status,
        remote_number=order.remote_number,
        last_seq_received=order.in_seq,
        last_seq_sent=order.out_seq,
        history=history,
    )
