"""Pooled PostgreSQL connections are pinged only after idling, and a dead one is replaced, not handed out."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, exc, text
from tests.conftest import PG_URL

from liandong.database.core import create_db_engine

pytestmark = pytest.mark.skipif(PG_URL is None, reason="needs LIANDONG_TEST_DATABASE_URL (PostgreSQL)")


def _engine(idle: float) -> Iterator[Engine]:
    assert PG_URL is not None
    engine = create_db_engine(PG_URL, ping_after_idle=idle, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


@pytest.fixture
def eager() -> Iterator[Engine]:
    yield from _engine(0.0)  # every checkout of a used connection pings


@pytest.fixture
def lazy() -> Iterator[Engine]:
    yield from _engine(3600.0)


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(pid: int) -> None:
    assert PG_URL is not None
    other = create_db_engine(PG_URL, pool_size=1)
    with other.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar_one()
    other.dispose()
    time.sleep(0.2)  # the backend exits asynchronously


def _count_pings(engine: Engine) -> list[int]:
    pings: list[int] = []
    original = engine.dialect.do_ping

    def counting(dbapi_connection: object) -> bool:
        pings.append(1)
        return original(dbapi_connection)

    engine.dialect.do_ping = counting  # type: ignore[method-assign]
    return pings


def test_a_connection_in_steady_use_is_not_pinged(lazy: Engine) -> None:
    pings = _count_pings(lazy)
    first = _backend_pid(lazy)
    for _ in range(5):
        assert _backend_pid(lazy) == first  # the same pooled connection, reused
    assert pings == []


def test_an_idle_connection_is_pinged_and_a_dead_one_replaced(eager: Engine) -> None:
    pings = _count_pings(eager)
    first = _backend_pid(eager)
    _terminate(first)
    second = _backend_pid(eager)  # no error reaches the caller: the ping found the dead connection
    assert second != first
    assert len(pings) == 1
    assert _backend_pid(eager) == second


def test_without_the_idle_ping_a_dead_connection_fails_once_then_the_pool_recovers(lazy: Engine) -> None:
    first = _backend_pid(lazy)
    _terminate(first)
    with pytest.raises(exc.OperationalError):
        _backend_pid(lazy)
    assert _backend_pid(lazy) != first  # invalidated on the disconnect; the next checkout connects anew
