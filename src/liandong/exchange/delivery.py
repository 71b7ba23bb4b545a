"""Relay: deliver outgoing messages (HTTP push or the shared mailbox) with retries, backoff and visible state.

Delivery bookkeeping is written with single Core statements: a batch of due messages is leased in one
UPDATE ... RETURNING, and the outcome of an order's messages in one or two UPDATEs, with no transaction held during
the network call.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

import httpx
from sqlalchemy import Connection, Engine, Table, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from liandong.config import Settings, get_settings
from liandong.core.errors import Conflict, NotFound
from liandong.core.timeutil import utcnow
from liandong.exchange import envelope, mailbox, routing
from liandong.exchange.models import ExchangeMessage
from liandong.exchange.outgoing import DELIVER_TOPIC, wake_relays
from liandong.outbox.worker import handler

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
TIMEOUT = httpx.Timeout(10.0, connect=3.0)
LEASE = timedelta(seconds=10)
# A message due this long and still pending has no relay taking it: the worker's sweep delivers it instead. Long
# enough that the two do not contend for the same message the moment it is committed.
FALLBACK_DELAY = timedelta(seconds=2)
SWEEP_TOPIC = "exchange.sweep"
SWEEP_BUDGET_S = 20.0  # a sweep stops sending after this long (the peer is slow); the next one goes on
_client: httpx.Client | None = None
_client_lock = threading.Lock()
_T = cast(Table, ExchangeMessage.__table__)


class Permanent(Exception):
    """The peer refused the message itself (4xx): retrying the same bytes cannot help."""


class _Executor(Protocol):
    def execute(self, statement: Any, /) -> Any: ...


def _http() -> httpx.Client:
    global _client  # one keep-alive pool per process: a TCP handshake per message would dominate latency
    if _client is None:
        with _client_lock:  # the relay's sending threads start at once: one client, not one leaked per thread
            if _client is None:
                _client = httpx.Client(timeout=TIMEOUT, limits=httpx.Limits(max_keepalive_connections=32))
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


@dataclass(frozen=True)
class Claimed:
    """A leased message, with everything needed to sign and send it."""

    id: int
    message_id: str
    peer: str
    type: str
    order_key: str
    seq: int
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class Outcome:
    message: Claimed
    error: str | None = None
    permanent: bool = False

    def retry_at(self, now: datetime) -> datetime:
        """When a transient failure is tried again: exponential backoff from 0.25 s to 5 minutes."""
        return now + timedelta(seconds=min(0.25 * 2 ** (self.message.attempts - 1), 300))


@contextmanager
def autocommit(engine: Engine) -> Iterator[Connection]:
    """A connection whose every statement commits by itself (PostgreSQL); SQLite gets one short transaction."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            yield conn
    else:
        with engine.begin() as conn:
            yield conn


@contextmanager
def writing(factory: sessionmaker[Session]) -> Iterator[_Executor]:
    """Where the relay writes its bookkeeping: autocommit statements on the factory's engine, or (a factory bound
    to a connection, as in tests) a session committed at the end."""
    bind = factory.kw.get("bind")
    if isinstance(bind, Engine):
        with autocommit(bind) as conn:
            yield conn
        return
    with factory() as session:
        yield session
        session.commit()


def _due(now: datetime, due_before: datetime | None = None) -> list[Any]:
    return [
        _T.c.status == "pending",
        _T.c.next_attempt_at <= (due_before or now),
        or_(_T.c.locked_until.is_(None), _T.c.locked_until < now),
    ]


def claim(
    executor: _Executor,
    *,
    limit: int = 50,
    message_ids: Sequence[str] | None = None,
    exclude_orders: Sequence[str] = (),
    due_before: datetime | None = None,
    postgresql: bool = True,
) -> list[Claimed]:
    """Lease up to `limit` due pending messages in one statement, oldest first (so each order's in sequence).

    Compare-and-set on the due condition, so two relays (or a relay and the worker's sweep) never lease the same
    message; on PostgreSQL SKIP LOCKED lets them take different rows instead of queueing on each other.
    """
    now = utcnow()
    pick = select(_T.c.id).where(*_due(now, due_before)).order_by(_T.c.id).limit(limit)
    if message_ids is not None:
        pick = pick.where(_T.c.message_id.in_(list(message_ids)))
    if exclude_orders:
        pick = pick.where(_T.c.order_key.not_in(list(exclude_orders)))
    if postgresql:
        pick = pick.with_for_update(skip_locked=True)
    # A CTE is evaluated once: PostgreSQL may re-run an IN (subquery) with LIMIT ... SKIP LOCKED and lease more.
    picked = pick.cte("picked").prefix_with("MATERIALIZED", dialect="postgresql")
    stmt = (
        update(_T)
        .where(_T.c.id.in_(select(picked.c.id)), *_due(now, due_before))
        .values(locked_until=now + LEASE, attempts=_T.c.attempts + 1)
        .returning(
            _T.c.id,
            _T.c.message_id,
            _T.c.peer,
            _T.c.type,
            _T.c.order_key,
            _T.c.seq,
            _T.c.payload,
            _T.c.attempts,
        )
    )
    rows = executor.execute(stmt).all()
    return sorted((Claimed(*row) for row in rows), key=lambda m: m.id)


def by_order(messages: Sequence[Claimed]) -> dict[str, list[Claimed]]:
    """Claimed messages grouped by order, each group in sequence."""
    groups: dict[str, list[Claimed]] = {}
    for msg in sorted(messages, key=lambda m: m.id):
        groups.setdefault(msg.order_key, []).append(msg)
    return groups


def send(settings: Settings, msg: Claimed) -> Outcome:
    """Sign and send one leased message; the outcome, never an exception."""
    peer = routing.peer_by_id(msg.peer, settings)
    try:
        if peer is None:
            raise Permanent(f"peer {msg.peer} is not configured")
        doc = envelope.seal(
            message_id=msg.message_id, type_=msg.type, sender=settings.node_id, recipient=peer.node_id,
            order_key=msg.order_key, seq=msg.seq, payload=dict(msg.payload), key=peer.hmac_key,
        )  # fmt: skip
        if settings.exchange_transport == "shared_db":
            mailbox.post(settings=settings, doc=doc)
        else:
            send_http(peer.url, doc)
    except Permanent as exc:
        return Outcome(msg, str(exc), permanent=True)
    except Exception as exc:  # noqa: BLE001 - any transport failure is retried with backoff
        return Outcome(msg, f"{type(exc).__name__}: {exc}")
    return Outcome(msg)


def record(executor: _Executor, outcomes: Sequence[Outcome]) -> None:
    """Write the outcomes: delivered in one statement, each failure with its reason and backoff (or failed)."""
    now = utcnow()
    delivered = [o.message.id for o in outcomes if o.error is None]
    if delivered:
        executor.execute(
            update(_T)
            .where(_T.c.id.in_(delivered), _T.c.status == "pending")
            .values(status="delivered", delivered_at=now, locked_until=None, last_error=None)
        )
    for o in outcomes:
        if o.error is None:
            continue
        values: dict[str, Any] = {"locked_until": None, "last_error": o.error[:2000]}
        if o.permanent or o.message.attempts >= MAX_ATTEMPTS:
            values["status"] = "failed"
        else:
            values["next_attempt_at"] = o.retry_at(now)
        executor.execute(update(_T).where(_T.c.id == o.message.id, _T.c.status == "pending").values(**values))


def send_order(
    settings: Settings, factory: sessionmaker[Session], messages: Sequence[Claimed]
) -> list[Outcome]:
    """Send one order's leased messages one after another and record the outcomes (the relay's unit of work)."""
    outcomes = [send(settings, msg) for msg in messages]
    with writing(factory) as conn:
        record(conn, outcomes)
    return outcomes


def deliver(*, session: Session, message_id: str, settings: Settings | None = None) -> str:
    """One delivery attempt of one message, outcome recorded; commits, and holds no transaction while sending."""
    settings = settings or get_settings()
    postgresql = session.get_bind().dialect.name == "postgresql"
    claimed = claim(session, limit=1, message_ids=[message_id], postgresql=postgresql)
    session.commit()
    if not claimed:
        return "skipped"
    record(session, [send(settings, claimed[0])])
    session.commit()
    status = session.scalar(select(ExchangeMessage.status).where(ExchangeMessage.message_id == message_id))
    session.commit()
    return str(status)


def sweep(*, session: Session, settings: Settings | None = None, limit: int = 200) -> int:
    """Deliver messages overdue by FALLBACK_DELAY (no relay is taking them), order by order; how many were sent.

    Stops at the first transient failure (the peer is likely down: the next sweep tries again) or after
    SWEEP_BUDGET_S, so the worker is not held up for long.
    """
    settings = settings or get_settings()
    postgresql = session.get_bind().dialect.name == "postgresql"
    due_before = utcnow() - FALLBACK_DELAY
    groups = due_by_order(session=session, limit=limit, due_before=due_before)
    started = time.monotonic()
    sent = 0
    for ids in groups.values():
        if time.monotonic() - started > SWEEP_BUDGET_S:
            break
        claimed = claim(
            session, limit=len(ids), message_ids=ids, due_before=due_before, postgresql=postgresql
        )
        session.commit()
        outcomes = [send(settings, msg) for msg in claimed]
        record(session, outcomes)
        session.commit()
        sent += len(outcomes)
        if any(o.error is not None and not o.permanent for o in outcomes):
            break
    return sent


def due_by_order(
    *, session: Session, limit: int = 200, due_before: datetime | None = None
) -> dict[str, list[str]]:
    """Due message ids grouped by order, each group in sequence (a relay sends one order's messages in turn)."""
    rows = session.execute(
        select(_T.c.order_key, _T.c.message_id)
        .where(*_due(utcnow(), due_before))
        .order_by(_T.c.id)
        .limit(limit)
    ).all()
    session.rollback()
    groups: dict[str, list[str]] = {}
    for order_key, message_id in rows:
        groups.setdefault(order_key, []).append(message_id)
    return groups


@handler(DELIVER_TOPIC)
def deliver_job(session: Session, payload: dict[str, Any]) -> None:
    """Jobs queued per message by earlier versions (and still in some queues): deliver if still due."""
    deliver(session=session, message_id=str(payload["message_id"]))


@handler(SWEEP_TOPIC)
def sweep_job(session: Session, payload: dict[str, Any]) -> None:
    """Periodic fallback: deliver what no relay took."""
    sweep(session=session)


def retry(*, session: Session, message_id: int) -> ExchangeMessage:
    """An operator re-queues a failed message (same id and seq: the receiver still deduplicates)."""
    msg = session.get(ExchangeMessage, message_id)
    if msg is None:
        raise NotFound("exchange message", message_id)
    if msg.status != "failed":
        raise Conflict(f"message {message_id} is {msg.status}, only failed messages can be retried")
    msg.status, msg.attempts, msg.next_attempt_at, msg.locked_until = "pending", 0, utcnow(), None
    session.flush()
    wake_relays(session)
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
