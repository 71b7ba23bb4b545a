"""Two nodes on loopback: transfers both ways at a fixed rate; prints one JSON line (rate, latency, lost, duplicated).

A 12345 node and a 110 node run as separate processes (API, worker, relay each) on their own databases. The
requests are registered first (intake has its own benchmark); then transfers are created through the API at
`--rate` per second, half each way, open loop. Latency is from the sender's commit of the transfer (its
exchange_messages row, written in that transaction) to the receiver's commit of the received transfer (the inbox
row's applied_at, written in that transaction). Lost: sent transfers the receiver does not hold; duplicated:
transfers the receiver holds more than once or never sent. CPU: milliseconds per transfer of each node process, of
the PostgreSQL backends serving the two node databases (same host), and of the driver, from the first transfer to
the last arrival (`cpu_ms_per_transfer`; Linux /proc).

Usage: python bench/exchange.py [--transfers 10000] [--rate 50] [--pg URL | --db-12345 URL --db-110 URL]
                                [--transport http|shared_db --exchange-db URL] [--chaos] [--answer]

--chaos --answer is the two-node SIGKILL test at full size: while sending, a random process of a random node is
killed every 1-3 s and restarted; then every receiver accepts every transfer through its API (still under kills) and
the bench waits until both nodes hold the same status for each. Lost, duplicated and status_mismatches must be 0
(the latency figures then include the outages).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from proccpu import BackendMeter, cpu_of
from tests.exchange.nodes import Node, call, chaos_loop, pair, restart_all, transfer_request

from liandong.database import create_db_engine


def _ts(value: object) -> float:
    from datetime import UTC, datetime

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


def _outcome(sender_db: str, receiver_db: str, sent: set[str]) -> dict[str, Any]:
    """Latencies (ms) of the transfers `sent`, and what the receiver holds."""
    s, r = create_db_engine(sender_db), create_db_engine(receiver_db)
    try:
        with s.connect() as c:
            created = dict(
                c.execute(
                    text("SELECT order_key, created_at FROM exchange_messages WHERE type = 'transfer'")
                ).all()
            )
        with r.connect() as c:
            applied = dict(
                c.execute(
                    text(
                        "SELECT order_key, applied_at FROM exchange_inbox WHERE type = 'transfer' AND applied_at IS NOT NULL"
                    )
                ).all()
            )
            held = Counter(
                uid
                for (uid,) in c.execute(
                    text("SELECT transfer_uid FROM transfers WHERE created_by LIKE 'exchange:%'")
                ).all()
            )
    finally:
        s.dispose()
        r.dispose()
    received = {uid for uid in held if uid in created}
    latencies = [(_ts(applied[u]) - _ts(created[u])) * 1000 for u in sent if u in applied and u in created]
    return {
        "latencies": latencies,
        "lost": len(sent - received),
        "duplicated": sum(n - 1 for n in held.values()) + len([u for u in held if u not in created]),
    }


def _statuses(db: str) -> dict[str, str]:
    engine = create_db_engine(db)
    try:
        with engine.connect() as c:
            return dict(c.execute(text("SELECT transfer_uid, status FROM transfers")).all())  # type: ignore[arg-type]
    finally:
        engine.dispose()


def _mismatches(db_a: str, db_b: str, uids: set[str]) -> int:
    """Transfers whose status differs between the two nodes (or that one side lacks)."""
    a, b = _statuses(db_a), _statuses(db_b)
    return sum(1 for u in uids if a.get(u) is None or a.get(u) != b.get(u))


def _answer(node: Node, db: str, workers: int = 8) -> int:
    """受理反馈 for every transfer this node received and has not answered, through its API; returns how many."""
    engine = create_db_engine(db)
    try:
        with engine.connect() as c:
            ids = [
                int(i)
                for (i,) in c.execute(
                    text("SELECT id FROM transfers WHERE created_by LIKE 'exchange:%' AND status = 'pending'")
                ).all()
            ]
    finally:
        engine.dispose()

    def one(transfer_id: int) -> None:
        # A 409 means an earlier try committed before its API process was killed.
        response = call(node, "POST", f"/api/v1/linkage/transfers/{transfer_id}/accept", json_body={})
        if response.status_code not in (200, 409):
            response.raise_for_status()

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, ids))
    return len(ids)


class _CpuMeter:
    """CPU seconds of each node process, the PostgreSQL backends of the node databases, and this driver."""

    def __init__(self, nodes: list[Node], db_urls: list[str]) -> None:
        from sqlalchemy.engine import make_url

        self.nodes = nodes
        pg_urls = [make_url(u) for u in db_urls if u.startswith("postgresql")]
        # Same server for every node database: one connection sees all their backends.
        server = (
            pg_urls[0].set(drivername="postgresql").render_as_string(hide_password=False) if pg_urls else None
        )
        self.backends = BackendMeter(server, [str(u.database) for u in pg_urls]) if server else None
        self.start = self._processes()

    def _processes(self) -> dict[str, dict[int, float]]:
        snap = {f"{n.role}.{part}": {p.pid: cpu_of(p.pid)} for n in self.nodes for part, p in n.procs.items()}
        snap["driver"] = {os.getpid(): cpu_of(os.getpid())}
        return snap

    def used(self) -> dict[str, float]:
        """CPU seconds each part used since the meter started."""
        postgresql = self.backends.used() if self.backends is not None else 0.0
        end = self._processes()
        out = {
            part: sum(cpu - self.start.get(part, {}).get(pid, 0.0) for pid, cpu in pids.items())
            for part, pids in end.items()
        }
        out["postgresql"] = postgresql
        return out


def _register(node: Node, n: int, workers: int) -> list[int]:
    """The requests to transfer, registered up front (intake is measured by bench/intake.py)."""
    received_by = "110" if node.role == "110" else "12345"

    def one(i: int) -> int:
        body = {"channel": "phone", "content": f"互联基准诉求 {i}", "received_by": received_by}
        response = call(node, "POST", "/api/v1/requests", json_body=body)
        response.raise_for_status()
        return int(response.json()["id"])

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, range(n)))


def _drive(
    node: Node, target: str, request_ids: list[int], rate: float, sent: set[str], late: list[float]
) -> None:
    """Open loop: transfer i is created at t0 + i/rate whatever the previous ones did."""
    interval = 1.0 / rate
    lock = threading.Lock()

    def one(i: int, request_id: int) -> None:
        uid = transfer_request(node, target, request_id, i)
        with lock:
            sent.add(uid)

    with ThreadPoolExecutor(16) as pool:
        t0 = time.monotonic()
        for i, request_id in enumerate(request_ids):
            delay = t0 + i * interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            else:
                late.append(-delay)
            pool.submit(one, i, request_id)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--transfers", type=int, default=10_000, help="transfers in total (half each way)")
    ap.add_argument("--rate", type=float, default=50.0, help="transfers per second, both ways together")
    ap.add_argument("--pg", help="PostgreSQL server URL: nodes on databases ex_bench_12345 and ex_bench_110")
    ap.add_argument("--db-12345")
    ap.add_argument("--db-110")
    ap.add_argument("--transport", choices=["http", "shared_db"], default="http")
    ap.add_argument("--exchange-db", help="shared PostgreSQL database of the shared_db transport")
    ap.add_argument("--settle", type=float, default=600, help="seconds to wait for the last transfers")
    ap.add_argument(
        "--answer", action="store_true",
        help="then accept every received transfer through the receiver's API (under --chaos too) and wait until "
        "both nodes hold the same status for every transfer (the acceptance feedback travelled back)",
    )  # fmt: skip
    ap.add_argument(
        "--chaos", action="store_true",
        help="SIGKILL a random process of a random node every 1-3 s while sending, and restart it (the two-node "
        "test at full size: lost and duplicated must stay 0; latency then includes the outages)",
    )  # fmt: skip
    args = ap.parse_args()
    per_side = args.transfers // 2
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db_a = args.db_12345 or f"sqlite:///{work / 'a.db'}"
        db_b = args.db_110 or f"sqlite:///{work / 'b.db'}"
        if args.pg:
            from tests.exchange import pg

            db_a, db_b = pg.reset(pg.derived("12345", args.pg)), pg.reset(pg.derived("110", args.pg))
        extra = {
            # One token registers every request of the run: the per-token intake limit is for real callers.
            "LIANDONG_INTAKE_RATE_PER_MINUTE": str(max(600, args.transfers * 10)),
            "LIANDONG_EXCHANGE_TRANSPORT": args.transport,
        }
        if args.transport == "shared_db":
            if not args.exchange_db:
                ap.error("--transport shared_db needs --exchange-db")
            from liandong.exchange import mailbox

            with mailbox._engine(args.exchange_db).begin() as conn:
                conn.execute(text("TRUNCATE exchange_mailbox"))
            extra["LIANDONG_EXCHANGE_DATABASE_URL"] = args.exchange_db
        a, b = pair(work, db_a, db_b, extra=extra, ready_timeout=600)
        try:
            with ThreadPoolExecutor(2) as pool:
                reg_a, reg_b = pool.submit(_register, a, per_side, 4), pool.submit(_register, b, per_side, 4)
                ids_a, ids_b = reg_a.result(), reg_b.result()
            sent_a: set[str] = set()
            sent_b: set[str] = set()
            late: list[float] = []
            meter = _CpuMeter([a, b], [db_a, db_b])
            kills: list[str] = []
            stop_chaos = threading.Event()
            chaos = threading.Thread(target=chaos_loop, args=((a, b), stop_chaos, 110, kills), daemon=True)
            if args.chaos:
                chaos.start()
            start = time.monotonic()
            threads = [
                threading.Thread(target=_drive, args=(a, "110", ids_a, args.rate / 2, sent_a, late)),
                threading.Thread(target=_drive, args=(b, "12345", ids_b, args.rate / 2, sent_b, late)),
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            sent_s = time.monotonic() - start
            stop_chaos.set()
            if args.chaos:
                chaos.join()
                restart_all((a, b))
            deadline = time.monotonic() + args.settle
            while True:
                ab, ba = _outcome(db_a, db_b, sent_a), _outcome(db_b, db_a, sent_b)
                if ab["lost"] + ba["lost"] == 0 or time.monotonic() > deadline:
                    break
                time.sleep(2)
            cpu = meter.used()
            answered, mismatched = 0, None
            if args.answer:
                if args.chaos:
                    stop_chaos.clear()
                    chaos = threading.Thread(
                        target=chaos_loop, args=((a, b), stop_chaos, 119, kills), daemon=True
                    )
                    chaos.start()
                answered = _answer(b, db_b) + _answer(a, db_a)
                stop_chaos.set()
                if args.chaos:
                    chaos.join()
                    restart_all((a, b))
                answered += _answer(b, db_b) + _answer(a, db_a)  # received after the first round
                uids = sent_a | sent_b
                deadline = time.monotonic() + args.settle
                while (mismatched := _mismatches(db_a, db_b, uids)) and time.monotonic() < deadline:
                    time.sleep(2)
        finally:
            a.stop()
            b.stop()
        lat = sorted([*ab["latencies"], *ba["latencies"]])
        n = max(1, len(sent_a) + len(sent_b))
        q = statistics.quantiles(lat, n=100) if len(lat) >= 2 else [float("nan")] * 99
        print(json.dumps({
            "bench": "exchange", "transport": args.transport, "databases": "postgresql" if args.pg else
            db_a.split(":")[0], "transfers": len(sent_a) + len(sent_b), "target_rate": args.rate,
            "transfers_per_s": round((len(sent_a) + len(sent_b)) / sent_s, 1),
            "latency_ms_p50": round(q[49], 1), "latency_ms_p99": round(q[98], 1), "latency_ms_max": round(lat[-1], 1)
            if lat else None, "lost": ab["lost"] + ba["lost"], "duplicated": ab["duplicated"] + ba["duplicated"],
            "driver_late_s_max": round(max(late, default=0.0), 3), "kills": len(kills),
            "answered": answered, "status_mismatches": mismatched,
            # CPU per transfer from the first transfer to the last arrival: each node process, the PostgreSQL
            # backends of both node databases, the driver (its HTTP calls and polling), and their sum.
            "cpu_ms_per_transfer": {**{k: round(v * 1000 / n, 1) for k, v in sorted(cpu.items())},
                                    "total": round(sum(cpu.values()) * 1000 / n, 1)},
            "loadavg": [round(x, 2) for x in os.getloadavg()],
        }))  # fmt: skip


if __name__ == "__main__":
    main()
