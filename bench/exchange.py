"""Two nodes on loopback: transfers both ways at a fixed rate; prints one JSON line (rate, latency, lost, duplicated).

Latency is from the sender's commit (exchange_messages.created_at) to the receiver's commit (inbox applied_at).
Usage: python bench/exchange.py [--count 10000] [--rate 50] [--db-12345 URL --db-110 URL]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.exchange.nodes import pair, transfer

from liandong.database import create_db_engine


def _latencies(sender_db: str, receiver_db: str) -> tuple[dict[str, float], dict[str, list[float]]]:
    sent = create_db_engine(sender_db)
    recv = create_db_engine(receiver_db)
    with sent.connect() as c:
        created = {
            m: t
            for m, t in c.execute(
                text("SELECT message_id, created_at FROM exchange_messages WHERE type='transfer'")
            )
        }
    applied: dict[str, list[float]] = {}
    with recv.connect() as c:
        for m, t in c.execute(
            text("SELECT message_id, applied_at FROM exchange_inbox WHERE type='transfer'")
        ):
            applied.setdefault(m, []).append(t)
    out = {}
    for m, t in created.items():
        if m in applied and applied[m][0] is not None:
            out[m] = (_ts(applied[m][0]) - _ts(t)) * 1000
    return out, applied


def _ts(value: object) -> float:
    from datetime import UTC, datetime

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=10_000, help="transfers in total (half each way)")
    ap.add_argument("--rate", type=float, default=50.0, help="transfers per second, both ways together")
    ap.add_argument("--db-12345")
    ap.add_argument("--db-110")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db_a = args.db_12345 or f"sqlite:///{work / 'a.db'}"
        db_b = args.db_110 or f"sqlite:///{work / 'b.db'}"
        a, b = pair(work, db_a, db_b)
        try:
            start = time.monotonic()
            per_side = args.count // 2
            interval = 2.0 / args.rate

            def drive(node: object, target: str) -> None:
                t0 = time.monotonic()
                for i in range(per_side):
                    time.sleep(max(0.0, t0 + i * interval - time.monotonic()))
                    transfer(node, target, i)  # type: ignore[arg-type]

            threads = [
                threading.Thread(target=drive, args=(a, "110")),
                threading.Thread(target=drive, args=(b, "12345")),
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            sent_s = time.monotonic() - start
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                la, ra = _latencies(db_a, db_b)
                lb, rb = _latencies(db_b, db_a)
                if len(la) + len(lb) >= per_side * 2:
                    break
                time.sleep(1)
        finally:
            a.stop()
            b.stop()
        lat = sorted([*la.values(), *lb.values()])
        dup = sum(len(v) - 1 for v in [*ra.values(), *rb.values()])
        q = statistics.quantiles(lat, n=100) if len(lat) >= 2 else [float("nan")] * 99
        print(json.dumps({
            "bench": "exchange", "transfers": per_side * 2, "target_rate": args.rate,
            "transfers_per_s": round(per_side * 2 / sent_s, 1), "latency_ms_p50": round(q[49], 1),
            "latency_ms_p99": round(q[98], 1), "lost": per_side * 2 - len(lat), "duplicated": dup,
        }))  # fmt: skip


if __name__ == "__main__":
    main()
