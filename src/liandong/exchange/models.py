"""Exchange tables: outgoing messages (the node's outbox), received messages (inbox), per-order sequence state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liandong.core.timeutil import utcnow
from liandong.database import Base


class ExchangeOrder(Base):
    """Per linked order (transfer_uid) and node: sequence counters and the other side's status as received."""

    __tablename__ = "exchange_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_key: Mapped[str] = mapped_column(String(64), unique=True)
    peer: Mapped[str] = mapped_column(String(64))
    out_seq: Mapped[int] = mapped_column(default=0)  # last seq sent (gapless, incremented under the row lock)
    in_seq: Mapped[int] = mapped_column(default=0)  # last seq applied from the peer
    remote_status: Mapped[str | None] = mapped_column(String(24))
    remote_number: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExchangeMessage(Base):
    """An outgoing message, written in the transaction of the change it reports; the relay delivers it."""

    __tablename__ = "exchange_messages"
    __table_args__ = (
        UniqueConstraint("order_key", "seq", name="uq_exchange_messages_order_seq"),
        Index("ix_exchange_messages_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(32), unique=True)
    peer: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(24))
    order_key: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int]
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(2000))
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[
        datetime | None
    ]  # a relay's short lease while it sends; a killed relay's lease lapses
    created_at: Mapped[datetime] = mapped_column(default=utcnow)  # the sender's commit, for latency
    delivered_at: Mapped[datetime | None]


class InboxMessage(Base):
    """A received, verified message; applied strictly in seq order per order key, buffered until the gap fills."""

    __tablename__ = "exchange_inbox"
    __table_args__ = (
        UniqueConstraint("sender", "order_key", "seq", name="uq_exchange_inbox_sender_order_seq"),
        Index("ix_exchange_inbox_order", "order_key", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(32), unique=True)
    sender: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(24))
    order_key: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int]
    sent_at: Mapped[datetime]
    envelope: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(12), default="buffered")  # buffered | applied
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    applied_at: Mapped[datetime | None]
