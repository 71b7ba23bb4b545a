"""Two real nodes (separate processes and databases) exchange transfers both ways while processes are SIGKILLed."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from tests.exchange import pg
from tests.exchange.nodes import Node, call, chaos_loop, pair, restart_all, transfer

from liandong.exchange import mailbox

N = 5  # transfers each way; bench/exchange.py runs 10,000

needs_pg = pytest.mark.skipif(pg.PG_URL is None, reason="needs LIANDONG_TEST_DATABASE_URL (PostgreSQL)")
SETUPS = [
    pytest.param(("sqlite", "http"), id="sqlite-http"),
    pytest.param(("postgresql", "http"), id="postgresql-http", marks=needs_pg),
    pytest.param(("postgresql", "shared_db"), id="postgresql-shared_db", marks=needs_pg),
]


@pytest.fixture(params=SETUPS)
def nodes(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Node, Node]]:
    """Each node on its own database: SQLite files, or two PostgreSQL databases derived from the test URL."""
    backend, transport = request.param
    if backend == "sqlite":
        dbs = (f"sqlite:///{tmp_path / 'n12345.db'}", f"sqlite:///{tmp_path / 'n110.db'}")
    else:
        dbs = (pg.reset(pg.derived("12345")), pg.reset(pg.derived("110")))
    extra: dict[str, str] = {}
    if transport == "shared_db":
        url = pg.mailbox_url()
        with mailbox._engine(url).begin() as conn:
            conn.execute(text("TRUNCATE exchange_mailbox"))
        extra = {"LIANDONG_EXCHANGE_TRANSPORT": "shared_db", "LIANDONG_EXCHANGE_DATABASE_URL": url}
    a, b = pair(tmp_path, *dbs, extra=extra)
    a.transport = transport
    try:
        yield a, b
    finally:
        a.stop()
        b.stop()


def _wait(predicate: object, timeout: float = 360) -> None:
    """Generous: restarted API processes load the triage model on a busy 2-core machine; lost messages never settle."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.3)
    raise AssertionError("nodes did not converge in time")


def _transfers(node: Node, **params: str) -> list[dict[str, object]]:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return list(call(node, "GET", f"/api/v1/linkage/transfers?limit=200&{query}").json())


def _answer_all(node: Node, platform: str) -> None:
    for t in _transfers(node, to_platform=platform, status="pending"):
        call(node, "POST", f"/api/v1/linkage/transfers/{t['id']}/accept", json_body={})


def _complete_all(node: Node) -> None:
    """110 -> 12345 transfers become work orders on the 12345 node; complete them on the spot (即问即答)."""
    for t in _transfers(node, to_platform="12345", status="accepted"):
        if t["work_order_id"] is None:
            continue
        order = call(node, "GET", f"/api/v1/work-orders/{t['work_order_id']}").json()
        if order["status"] == "accepted":
            call(
                node,
                "POST",
                f"/api/v1/work-orders/{t['work_order_id']}/complete",
                json_body={"opinion": "已办结"},
            )


def test_transfers_both_ways_survive_sigkill(nodes: tuple[Node, Node]) -> None:
    a, b = nodes
    stop = threading.Event()
    chaos = threading.Thread(target=chaos_loop, args=(nodes, stop, 12345), daemon=True)
    chaos.start()
    try:
        sent_a = {transfer(a, "110", i) for i in range(N)}
        sent_b = {transfer(b, "12345", i) for i in range(N)}

        def received() -> bool:
            _answer_all(b, "110")
            _answer_all(a, "12345")
            return len(_transfers(b, to_platform="110")) >= N and len(_transfers(a, to_platform="12345")) >= N

        _wait(received)
        _complete_all(a)
    finally:
        stop.set()
        chaos.join()
    restart_all(nodes)  # everything back up after the last kill

    def settled() -> bool:
        _answer_all(b, "110")  # a transfer that arrived after the last answering round
        _answer_all(a, "12345")
        _complete_all(a)  # and its work order, accepted after the last completing round
        out_a = {t["transfer_uid"]: t for t in _transfers(a, from_platform="12345")}
        out_b = {t["transfer_uid"]: t for t in _transfers(b, from_platform="110")}
        return all(t["status"] == "accepted" for t in out_a.values()) and all(
            t["status"] == "accepted" and t["completion_opinion"] for t in out_b.values()
        )

    _wait(settled)
    # Exactly once: each side holds each transfer once, with the same uid as the sender.
    in_b = _transfers(b, to_platform="110")
    in_a = _transfers(a, to_platform="12345")
    assert sorted(t["transfer_uid"] for t in in_b) == sorted(sent_a)
    assert sorted(t["transfer_uid"] for t in in_a) == sorted(sent_b)
    assert all(t["status"] == "accepted" for t in in_a + in_b)
    # Same linked state: the sender sees the receiver's number and status, the receiver's history is complete.
    for uid in sent_a:
        view = call(a, "GET", f"/api/v1/exchange/transfers/{uid}/remote").json()
        assert view["remote_status"] in {"accepted", "received"} and view["remote_number"].startswith("JJ")
        assert [e["seq"] for e in view["history"]] == list(range(1, view["last_seq_received"] + 1))
    for uid in sent_b:
        view = call(b, "GET", f"/api/v1/exchange/transfers/{uid}/remote").json()
        assert view["remote_status"] == "completed" and view["remote_number"].startswith("GD")
    for node in nodes:
        failed = call(node, "GET", "/api/v1/exchange/messages?status=failed").json()
        assert failed["items"] == []
    if a.transport == "shared_db":  # every envelope went through the shared database, none was refused
        with mailbox._engine(pg.mailbox_url()).connect() as conn:
            left = conn.execute(
                text("SELECT count(*) FROM exchange_mailbox WHERE consumed_at IS NULL OR refused")
            )
            posted = conn.execute(text("SELECT count(*) FROM exchange_mailbox")).scalar()
        assert left.scalar() == 0 and posted and posted >= 4 * N
