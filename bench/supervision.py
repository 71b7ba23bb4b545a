"""SLA sweep over open work orders on PostgreSQL: prints one JSON line.

Loads N open work orders (default 1,000,000) with COPY into a scratch database `liandong_supervision_bench`,
1% of them overdue and 1% inside their reminder window, then times one full sweep (reminders, overdue
supervision orders with their events and counters, transfer timeouts, negotiation fallback) and a second sweep that
must find nothing new. Target: first sweep <= 5 s.
Usage: .venv/bin/python bench/supervision.py [--orders 1000000]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import time
from datetime import UTC, datetime, timedelta

import psycopg

from liandong.database.core import create_db_engine, make_session_factory
from liandong.database.migrate import upgrade

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
URL = os.environ.get(
    "LIANDONG_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/liandong_supervision_bench"
)


def fresh_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    upgrade(url)


def load(url: str, n: int, now: datetime) -> float:
    t0 = time.perf_counter()
    with psycopg.connect(url) as conn:
        org = conn.execute(
            "INSERT INTO organisations (code, name, kind, active, created_at) "
            "VALUES ('BENCH', '压测单位', 'department', true, now()) RETURNING id"
        ).fetchone()[0]
        req = conn.execute(
            "INSERT INTO requests (channel, received_by, received_at, status, content, created_at, updated_at) "
            "VALUES ('phone', '12345', now(), 'registered', '压测', now(), now()) RETURNING id"
        ).fetchone()[0]
        cols = (
            "request_id, request_type, urgency, status, handling_unit_id, summary, accepted_at, due_at, remind_at, "
            "reopen_count, supervision_count, created_by, created_at, updated_at, version"
        )
        with conn.cursor().copy(f"COPY work_orders ({cols}) FROM STDIN") as copy:
            buf = io.StringIO()
            for i in range(n):
                bucket = i % 100
                if bucket == 0:  # overdue
                    due = now - timedelta(hours=1 + i % 48)
                elif bucket == 1:  # within the reminder window
                    due = now + timedelta(hours=1)
                else:
                    due = now + timedelta(days=2 + i % 10)
                accepted = due - timedelta(days=5)
                remind = due - (due - accepted) * 0.2
                buf.write(
                    f"{req}\tcomplaint\tnormal\tin_progress\t{org}\t压测工单\t{accepted.isoformat()}\t"
                    f"{due.isoformat()}\t{remind.isoformat()}\t0\t0\tbench\t{now.isoformat()}\t"
                    f"{now.isoformat()}\t1\n"
                )
                if i % 50_000 == 49_999:
                    copy.write(buf.getvalue())
                    buf = io.StringIO()
            copy.write(buf.getvalue())
        conn.commit()
        conn.execute("ANALYZE work_orders")
        conn.commit()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=1_000_000)
    args = parser.parse_args()
    now = datetime.now(UTC)
    fresh_database(URL)
    load_s = load(URL, args.orders, now)
    from liandong.supervision import flows

    factory = make_session_factory(create_db_engine(URL))
    with factory() as session:
        t0 = time.perf_counter()
        first = flows.sweep(session=session, now=now)
        first_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        second = flows.sweep(session=session, now=now + timedelta(seconds=30))
        second_s = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "bench": "supervision_sweep",
                "open_orders": args.orders,
                "load_s": round(load_s, 1),
                "sweep_s": round(first_s, 3),
                "reminders": first.reminders,
                "overdue": first.overdue,
                "second_sweep_s": round(second_s, 3),
                "second_new": second.reminders + second.overdue,
                "target_s": 5.0,
            }
        )
    )


if __name__ == "__main__":
    main()
