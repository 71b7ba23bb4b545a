"""Receiver side: verify, deduplicate, buffer, and apply messages of one order strictly in sequence."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from liandong.config import Settings
from liandong.core.errors import Conflict, PermissionDenied
from liandong.core.timeutil import as_utc, utcnow
from liandong.exchange import apply as applying
from liandong.exchange.envelope import verify
from liandong.exchange.models import InboxMessage
from liandong.exchange.outgoing import lock_order


def receive(*, session: Session, doc: dict[str, Any], settings: Settings, now: datetime | None = None) -> str:
    """Store and apply one envelope (caller commits): 'applied', 'buffered' or 'duplicate'; raises when refused."""
    env, peer = verify(doc, settings, now=now)
    applying.check(type_=env.type, payload=doc["payload"])
    if session.scalar(select(InboxMessage.id).where(InboxMessage.message_id == env.message_id)) is not None:
        return "duplicate"
    order = lock_order(session=session, order_key=env.order_key, peer=peer.node_id)
    if order.peer != peer.node_id:
        raise PermissionDenied(f"order {env.order_key} is exchanged with {order.peer}, not {peer.node_id}")
    if env.seq <= order.in_seq:
        # Already applied under another message id: a sender bug or a replay with a new id; never apply twice.
        raise Conflict(f"seq {env.seq} of order {env.order_key} was already applied")
    row = InboxMessage(
        message_id=env.message_id,
        sender=peer.node_id,
        type=env.type,
        order_key=env.order_key,
        seq=env.seq,
        sent_at=as_utc(env.sent_at),
        envelope=doc,
        status="buffered",
        received_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # The same message (or seq) arrived concurrently through another request: the first one wins.
        return "duplicate"
    applied = apply_ready(session=session, order_key=env.order_key)
    return "applied" if row.message_id in applied else "buffered"


def apply_ready(*, session: Session, order_key: str) -> list[str]:
    """Apply buffered messages of the order while the next expected seq is present; the message ids applied."""
    order = lock_order(session=session, order_key=order_key, peer="")
    done: list[str] = []
    while True:
        nxt = session.scalar(
            select(InboxMessage).where(
                InboxMessage.order_key == order_key,
                InboxMessage.seq == order.in_seq + 1,
                InboxMessage.status == "buffered",
            )
        )
        if nxt is None:
            return done
        applying.apply(session=session, message=nxt, order=order)
        nxt.status = "applied"
        nxt.applied_at = utcnow()
        order.in_seq = nxt.seq
        order.updated_at = utcnow()
        session.flush()
        done.append(nxt.message_id)


def history(*, session: Session, order_key: str) -> list[InboxMessage]:
    """The other side's messages of an order as received and applied, in sequence."""
    return list(
        session.scalars(
            select(InboxMessage)
            .where(InboxMessage.order_key == order_key, InboxMessage.status == "applied")
            .order_by(InboxMessage.seq)
        )
    )
