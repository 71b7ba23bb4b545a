"""Relay: deliver outgoing messages (HTTP push or the shared mailbox) with retries, backoff and visible state."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from liandong.config import Settings, get_settings
from liandong.core.errors import Conflict, NotFound
from liandong.core.timeutil import utcnow
from liandong.exchange import envelope, mailbox, routing
from liandong.exchange.models import ExchangeMessage
from liandong.exchange.outgoing import DELIVER_TOPIC
from liandong.outbox import service as outbox
from liandong.outbox.worker import handler

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
TIMEOUT = httpx.Timeout(10.0, connect=3.0)
_client: httpx.Client | None = None


class Permanent(Exception):
    """The peer refused the message itself (4xx): retrying the same bytes cannot help."""


def _http() -> httpx.Client:
    global _client  # one keep-alive pool per process: a TCP handshake per message would dominate latency
    if _client is None:
        _client = httpx.Client(timeout=TIMEOUT)
    return _client


def send_http(url: str, doc: dict[str, Any]) -> None:
    response = _http().post(
        url.rstrip("/") + "/api/v1/exchange/inbox",
        content=envelope.canonical(doc),
        headers={"Content-Type": "application/json"},
    )
    if response.status_code < 300:
        return
    text = response.text[:500]
    if 400 <= response.status_code < 500 and response.status_code not in (408, 409, 425, 429):
        raise Permanent(f"HTTP {response.status_code}: {text}")
    raise RuntimeError(f"HTTP {response.status_code}: {text}")


LEASE = timedelta(seconds=10)


def _claim(session: Session, message_id: str) -> ExchangeMessage | None:
    """Lease a due pending message (compare-and-set), so one relay sends it at a time; commits."""
    now = utcnow()
    result = session.execute(
        update(ExchangeMessage)
        .where(
            ExchangeMessage.message_id == message_id,
            ExchangeMessage.status == "pending",
            ExchangeMessage.next_attempt_at <= now,
            or_(ExchangeMessage.locked_until.is_(None), ExchangeMessage.locked_until < now),
        )
        .values(locked_until=now + LEASE, attempts=ExchangeMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    claimed = result.rowcount == 1  # type: ignore[attr-defined]
    session.commit()
    if not claimed:
        return None
    return session.scalar(
        select(ExchangeMessage)
        .where(ExchangeMessage.message_id == message_id)
        .execution_options(populate_existing=True)
    )


def deliver(*, session: Session, message_id: str, settings: Settings | None = None) -> str:
    """One delivery attempt, outcome recorded on the message; commits, and holds no transaction while sending."""
    settings = settings or get_settings()
    msg = _claim(session, message_id)
    if msg is None:
        return "skipped"
    peer = routing.peer_by_id(msg.peer, settings)
    error: str | None = None
    permanent = False
    try:
        if peer is None:
            raise Permanent(f"peer {msg.peer} is not configured")
        doc = envelope.seal(
            message_id=msg.message_id, type_=msg.type, sender=settings.node_id, recipient=peer.node_id,
            order_key=msg.order_key, seq=msg.seq, payload=dict(msg.payload), key=peer.hmac_key,
        )  # fmt: skip
        session.commit()  # the message row was read: end that transaction before the network call
        if settings.exchange_transport == "shared_db":
            mailbox.post(settings=settings, doc=doc)
        else:
            send_http(peer.url, doc)
    except Permanent as exc:
        error, permanent = str(exc), True
    except Exception as exc:  # noqa: BLE001 - any transport failure is retried with backoff
        error = f"{type(exc).__name__}: {exc}"
    msg = session.scalar(
        select(ExchangeMessage)
        .where(ExchangeMessage.message_id == message_id)
        .execution_options(populate_existing=True)
    )
    assert msg is not None
    msg.locked_until = None
    if msg.status != "pending":
        pass
    elif error is None:
        msg.status, msg.delivered_at, msg.last_error = "delivered", utcnow(), None
    else:
        msg.last_error = error[:2000]
        if permanent or msg.attempts >= MAX_ATTEMPTS:
            msg.status = "failed"
        else:
            # Exponential backoff; the relay polls next_attempt_at, a plain worker gets a delayed job.
            msg.next_attempt_at = utcnow() + timedelta(seconds=min(0.25 * 2 ** (msg.attempts - 1), 300))
            outbox.enqueue(session=session, topic=DELIVER_TOPIC, payload={"message_id": msg.message_id},
                           available_at=msg.next_attempt_at)  # fmt: skip
    status = msg.status
    session.commit()
    return status


def due_by_order(*, session: Session, limit: int = 200) -> dict[str, list[str]]:
    """Due message ids grouped by order, each group in sequence (a relay sends one order's messages in turn)."""
    now = utcnow()
    rows = session.execute(
        select(ExchangeMessage.order_key, ExchangeMessage.message_id)
        .where(
            ExchangeMessage.status == "pending",
            ExchangeMessage.next_attempt_at <= now,
            or_(ExchangeMessage.locked_until.is_(None), ExchangeMessage.locked_until < now),
        )
        .order_by(ExchangeMessage.id)
        .limit(limit)
    ).all()
    session.rollback()
    groups: dict[str, list[str]] = {}
    for order_key, message_id in rows:
        groups.setdefault(order_key, []).append(message_id)
    return groups


@handler(DELIVER_TOPIC)
def deliver_job(session: Session, payload: dict[str, Any]) -> None:
    deliver(session=session, message_id=str(payload["message_id"]))


def retry(*, session: Session, message_id: int) -> ExchangeMessage:
    """An operator re-queues a failed message (same id and seq: the receiver still deduplicates)."""
    msg = session.get(ExchangeMessage, message_id)
    if msg is None:
        raise NotFound("exchange message", message_id)
    if msg.status != "failed":
        raise Conflict(f"message {message_id} is {msg.status}, only failed messages can be retried")
    msg.status, msg.attempts, msg.next_attempt_at, msg.locked_until = "pending", 0, utcnow(), None
    outbox.enqueue(session=session, topic=DELIVER_TOPIC, payload={"message_id": msg.message_id})
    session.flush()
    return msg


def list_messages(
    *,
    session: Session,
    status: str | None = None,
    order_key: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[ExchangeMessage]:
    stmt = select(ExchangeMessage).order_by(ExchangeMessage.id.desc())
    if status:
        stmt = stmt.where(ExchangeMessage.status == status)
    if order_key:
        stmt = stmt.where(ExchangeMessage.order_key == order_key)
    return list(session.scalars(stmt.limit(limit).offset(offset)))
