"""Receiver side: verify, deduplicate, buffer, and apply messages of one order strictly in sequence."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from liandong.config import Settings
from liandong.core.errors import Conflict, PermissionDenied
from liandong.core.timeutil import as_utc, utcnow
from liandong.exchange import apply as applying
from liandong.exchange.envelope import verify
from liandong.exchange.models import ExchangeOrder, InboxMessage
from liandong.exchange.outgoing import lock_order


def receive(*, session: Session, doc: dict[str, Any], settings: Settings, now: datetime | None = None) -> str:
    """Store and apply one envelope (caller commits): 'applied', 'buffered' or 'duplicate'; raises when refused.

    Under the order's row lock, one read finds both a stored copy of this message and the order's buffered ones;
    a message in sequence is applied and stored as applied in one go, then any buffered ones it unblocks.
    """
    env, peer = verify(doc, settings, now=now)
    applying.check(type_=env.type, payload=doc["payload"])
    order = locked_order(session=session, order_key=env.order_key)
    rows = session.scalars(
        select(InboxMessage).where(
            or_(
                InboxMessage.message_id == env.message_id,
                and_(InboxMessage.order_key == env.order_key, InboxMessage.status == "buffered"),
            )
        )
    ).all()
    if any(r.message_id == env.message_id for r in rows):
        return "duplicate"
    new_order = order is None
    if order is None:
        # Added to the session only once applied: one INSERT with the final values, not an INSERT and an UPDATE
        # (a concurrent first copy of the same message loses on the unique key and rolls back everything).
        order = ExchangeOrder(
            order_key=env.order_key, peer=peer.node_id, out_seq=0, in_seq=0, updated_at=utcnow()
        )
    elif order.peer != peer.node_id:
        raise PermissionDenied(f"order {env.order_key} is exchanged with {order.peer}, not {peer.node_id}")
    if env.seq <= order.in_seq:
        # Already applied under another message id: a sender bug or a replay with a new id; never apply twice.
        raise Conflict(f"seq {env.seq} of order {env.order_key} was already applied")
    if any(r.seq == env.seq for r in rows):
        raise Conflict(f"seq {env.seq} of order {env.order_key} is already held under another message id")
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
    if env.seq != order.in_seq + 1:
        session.add_all([order, row] if new_order else [row])  # early: held until the gap fills
        return "buffered"
    waiting = {r.seq: r for r in rows}
    nxt: InboxMessage | None = row
    while nxt is not None:
        applying.apply(session=session, message=nxt, order=order)
        nxt.status = "applied"
        nxt.applied_at = order.updated_at = utcnow()
        order.in_seq = nxt.seq
        session.add(nxt)
        nxt = waiting.get(order.in_seq + 1)
    if new_order:
        session.add(order)
    return "applied"


def locked_order(*, session: Session, order_key: str) -> ExchangeOrder | None:
    """The order's sequence row, locked for this transaction (SQLite transactions already serialise writers)."""
    stmt = select(ExchangeOrder).where(ExchangeOrder.order_key == order_key)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


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
        nxt.applied_at = order.updated_at = utcnow()
        order.in_seq = nxt.seq
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
