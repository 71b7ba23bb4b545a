"""Two nodes on loopback: transfers both ways at a fixed rate; prints one JSON line (rate, latency, lost, duplicated).

A 12345 node and a 110 node run as separate processes (API, worker, relay each) on their own databases. The
requests are registered first (intake has its own benchmark); then transfers are created through the API at
`--rate` per second, half each way, open loop. Latency is from the sender's commit of the transfer (its
exchange_messages row, written in that transaction) to the receiver's commit of the received transfer (the inbox
row's applied_at, written in that transaction). Lost: sent transfers the receiver does not hold; duplicated:
transfers the receiver holds more than once or never sent.

Usage: python bench/exchange.py [--transfers 10000] [--rate 50] [--pg URL | --db-12345 URL --db-110 URL]
                                [--transport http|shared_db --exchange-db URL]
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

from tests.exchange.nodes import Node, call, pair, transfer_request

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
            deadline = time.monotonic() + args.settle
            while True:
                ab, ba = _outcome(db_a, db_b, sent_a), _outcome(db_b, db_a, sent_b)
                if ab["lost"] + ba["lost"] == 0 or time.monotonic() > deadline:
                    break
                time.sleep(2)
        finally:
            a.stop()
            b.stop()
        lat = sorted([*ab["latencies"], *ba["latencies"]])
        q = statistics.quantiles(lat, n=100) if len(lat) >= 2 else [float("nan")] * 99
        print(json.dumps({
            "bench": "exchange", "transport": args.transport, "databases": "postgresql" if args.pg else
            db_a.split(":")[0], "transfers": len(sent_a) + len(sent_b), "target_rate": args.rate,
            "transfers_per_s": round((len(sent_a) + len(sent_b)) / sent_s, 1),
            "latency_ms_p50": round(q[49], 1), "latency_ms_p99": round(q[98], 1), "latency_ms_max": round(lat[-1], 1)
            if lat else None, "lost": ab["lost"] + ba["lost"], "duplicated": ab["duplicated"] + ba["duplicated"],
            "driver_late_s_max": round(max(late, default=0.0), 3), "loadavg": [round(x, 2) for x in os.getloadavg()],
        }))  # fmt: skip


if __name__ == "__main__":
    main()
