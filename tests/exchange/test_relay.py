"""The relay and the worker's sweep against a real receiving node (HTTP, in this process, on its own database).

Batched leases keep each order's messages in sequence; a wake-up that never arrives (a commit without a
notification, the listening connection killed) only delays delivery until the next poll; the sweep delivers what no
relay took and stops at a peer that is down.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.orm import Session, sessionmaker
from tests.exchange import pg
from tests.exchange.nodes import free_port
from tests.exchange.test_envelope import KEY

from liandong.config import Peer, Settings
from liandong.core.timeutil import utcnow
from liandong.database import create_db_engine, make_session_factory
from liandong.database.migrate import upgrade
from liandong.exchange import delivery, outgoing
from liandong.exchange.models import ExchangeMessage, ExchangeOrder, InboxMessage
from liandong.exchange.relay import LISTENER_NAME, Relay

SECRET = "test-secret-key-for-liandong-suite-0123456789"
needs_pg = pytest.mark.skipif(pg.PG_URL is None, reason="needs LIANDONG_TEST_DATABASE_URL (PostgreSQL)")


@pytest.fixture(scope="module")
def peer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Engine]]:
    """The 110 node: the real API served over HTTP on a free port, on its own SQLite database; (URL, engine)."""
    from liandong.api.app import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('peer') / 'peer.db'}"
    upgrade(url)
    engine = create_db_engine(url)
    settings = Settings(environment="test", secret_key=SECRET, database_url=url, node_role="110",
                        node_id="node-110", peers=[Peer(node_id="node-12345", role="12345", hmac_key=KEY)])  # fmt: skip
    app = create_app(settings, session_factory=make_session_factory(engine))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield f"http://127.0.0.1:{port}", engine
    server.should_exit = True
    thread.join(timeout=30)
    engine.dispose()
    if delivery._client is not None:  # the process-wide keep-alive client the relay used: close its sockets
        delivery._client.close()
        delivery._client = None


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=needs_pg)])
def node(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """The sending 12345 node's own database (committed for real: the relay's threads and connections see it)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'sender.db'}"
    else:
        url = pg.reset(pg.derived("relay"))
    upgrade(url)
    engine = create_db_engine(url)
    yield make_session_factory(engine)
    engine.dispose()


def sender(url: str) -> Settings:
    peer = Peer(node_id="node-110", role="110", url=url, hmac_key=KEY)
    return Settings(environment="test", secret_key=SECRET, node_role="12345", node_id="node-12345",
                    peers=[peer])  # fmt: skip


def supervision(uid: str, note: str) -> dict[str, Any]:
    return {"transfer_id": uid, "number": "GD1", "at": utcnow().isoformat(), "note": note}


def emit_interleaved(factory: sessionmaker[Session], orders: int, each: int) -> list[str]:
    """`each` messages for each of `orders` orders, committed one by one with the orders interleaved."""
    uids = [uuid.uuid4().hex for _ in range(orders)]
    for seq in range(1, each + 1):
        for uid in uids:
            with factory() as session:
                outgoing.emit(session=session, order_key=uid, peer="node-110", type_="supervision",
                              payload=supervision(uid, f"第{seq}次"))  # fmt: skip
                session.commit()
    return uids


def pending(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return session.scalar(
            select(func.count()).select_from(ExchangeMessage).where(ExchangeMessage.status != "delivered")
        ) or 0  # fmt: skip


def wait_for(predicate: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("not delivered in time")


@contextmanager
def running(relay: Relay, **kw: float) -> Iterator[Relay]:
    thread = threading.Thread(target=relay.run, kwargs=kw, daemon=True)
    thread.start()
    try:
        yield relay
    finally:
        relay.stop.set()
        relay.wake.set()
        thread.join(timeout=30)
        assert not thread.is_alive()


def arrivals(engine: Engine, uid: str) -> list[tuple[int, str]]:
    """The receiver's inbox rows of an order in the order they were stored: (seq, status)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(InboxMessage.seq, InboxMessage.status)
            .where(InboxMessage.order_key == uid)
            .order_by(InboxMessage.id)
        ).all()
    return [(int(seq), str(status)) for seq, status in rows]


def test_claim_leases_a_batch_oldest_first_and_never_twice(node: sessionmaker[Session]) -> None:
    a, b = emit_interleaved(node, orders=2, each=3)
    postgresql = node.kw["bind"].dialect.name == "postgresql"
    with node() as session:
        first = delivery.claim(session, limit=4, postgresql=postgresql)
        session.commit()
        groups = delivery.by_order(first)
        assert [(m.order_key, m.seq) for m in first] == [(a, 1), (b, 1), (a, 2), (b, 2)]
        assert [m.seq for m in groups[a]] == [1, 2] and all(m.attempts == 1 for m in first)
        # Leased: a second relay takes only what is left, and skips orders it is told are in flight elsewhere.
        assert delivery.claim(session, limit=10, exclude_orders=[a], postgresql=postgresql)[0].order_key == b
        assert delivery.claim(session, limit=10, postgresql=postgresql)[0].order_key == a
        assert delivery.claim(session, limit=10, postgresql=postgresql) == []
        session.commit()


def test_batched_concurrent_relay_keeps_each_order_in_sequence(
    node: sessionmaker[Session], peer: tuple[str, Engine]
) -> None:
    url, peer_engine = peer
    uids = emit_interleaved(node, orders=5, each=4)
    # Small batches and fewer slots than orders: leases, in-flight exclusion and refills all take part.
    with running(Relay(settings=sender(url), factory=node, concurrency=3, batch=4)):
        wait_for(lambda: pending(node) == 0)
    for uid in uids:
        # Stored straight as applied, one after another: none arrived early and had to wait in the buffer.
        assert arrivals(peer_engine, uid) == [(1, "applied"), (2, "applied"), (3, "applied"), (4, "applied")]
    with node() as session:
        assert set(session.scalars(select(ExchangeMessage.attempts))) == {1}


def test_messages_committed_while_running_are_delivered(
    node: sessionmaker[Session], peer: tuple[str, Engine]
) -> None:
    """The daemon's normal case: woken by the commit (PostgreSQL) or its idle poll (SQLite)."""
    url, peer_engine = peer
    with running(Relay(settings=sender(url), factory=node)):
        uids = emit_interleaved(node, orders=3, each=2)
        wait_for(lambda: pending(node) == 0)
    assert all(arrivals(peer_engine, uid) == [(1, "applied"), (2, "applied")] for uid in uids)


@needs_pg
@pytest.mark.parametrize("node", ["postgresql"], indirect=True)
def test_a_lost_wake_up_still_delivers(node: sessionmaker[Session], peer: tuple[str, Engine]) -> None:
    url, peer_engine = peer
    relay = Relay(settings=sender(url), factory=node)
    with running(relay, poll_interval=0.5):
        wait_for(relay.listening.is_set)
        # 1. A message committed without any notification (as if the signal were lost): the next poll takes it.
        uid = uuid.uuid4().hex
        with node() as session:
            session.add(ExchangeOrder(order_key=uid, peer="node-110", out_seq=1, in_seq=0))
            session.add(ExchangeMessage(message_id=uuid.uuid4().hex, peer="node-110", type="supervision",
                                        order_key=uid, seq=1, payload=supervision(uid, "无通知"), status="pending",
                                        next_attempt_at=utcnow()))  # fmt: skip
            session.commit()
        wait_for(lambda: pending(node) == 0)
        assert arrivals(peer_engine, uid) == [(1, "applied")]
        # 2. The listening connection killed (database restart, network): the relay polls until it is back.
        with node() as session:
            killed = session.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = :n AND datname = current_database()"
                ),
                {"n": LISTENER_NAME},
            )
        assert killed == 1
        (other,) = emit_interleaved(node, orders=1, each=1)
        wait_for(lambda: pending(node) == 0)
        assert arrivals(peer_engine, other) == [(1, "applied")]
        wait_for(relay.listening.is_set)  # and it listens again


def test_sweep_delivers_what_no_relay_took_and_stops_at_a_peer_that_is_down(
    node: sessionmaker[Session], peer: tuple[str, Engine]
) -> None:
    url, peer_engine = peer
    uids = emit_interleaved(node, orders=2, each=2)
    with node() as session:
        # Just committed: the relay's (none runs here) for FALLBACK_DELAY, the sweep leaves them alone.
        assert delivery.sweep(session=session, settings=sender(url)) == 0
        session.execute(update(ExchangeMessage).values(next_attempt_at=utcnow() - timedelta(seconds=5)))
        session.commit()
        down = sender(f"http://127.0.0.1:{free_port()}")
        assert delivery.sweep(session=session, settings=down) == 2  # the first order's two, then it gives up
        failed = session.scalars(select(ExchangeMessage).where(ExchangeMessage.attempts == 1)).all()
        assert {m.order_key for m in failed} == {uids[0]}
        assert all(m.status == "pending" and m.last_error and m.next_attempt_at > utcnow() for m in failed)
        session.execute(update(ExchangeMessage).values(next_attempt_at=utcnow() - timedelta(seconds=5)))
        session.commit()
        assert delivery.sweep(session=session, settings=sender(url)) == 4
    assert pending(node) == 0
    assert all(arrivals(peer_engine, uid) == [(1, "applied"), (2, "applied")] for uid in uids)
