"""Intake throughput: requests created through the HTTP API on PostgreSQL vs raw single-row INSERTs.

Prints one JSON line. Needs PostgreSQL (LIANDONG_BENCH_DATABASE_URL, default the local server's `liandong_bench`
database, created if missing). Usage: .venv/bin/python bench/intake.py [--seconds 20] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psycopg

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/liandong_bench"


def ensure_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


def raw_inserts(url: str, seconds: float) -> float:
    """Single-row INSERT + commit per row, one connection: the floor an API request is compared with."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_raw (id bigserial primary key, content text, at timestamptz)"
        )
        n, end = 0, time.perf_counter() + seconds
        while time.perf_counter() < end:
            conn.execute("INSERT INTO bench_raw (content, at) VALUES (%s, now())", ("小区路灯不亮已经一周",))
            n += 1
        conn.execute("DROP TABLE bench_raw")
    return n / seconds


def issue_token(url: str) -> str:
    """A 12345 seat's API token on the bench database."""
    from liandong.database import create_db_engine, make_session_factory
    from liandong.security import service as security
    from liandong.security.schemas import TokenCreate

    with make_session_factory(create_db_engine(url))() as session:
        _, raw = security.create_api_token(session=session, data=TokenCreate(name="bench", role="seat_12345"))
        session.commit()
    return raw


def api_load(base: str, seconds: float, concurrency: int, token: str) -> tuple[int, list[float], int]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    end = time.perf_counter() + seconds

    def run(worker: int) -> None:
        nonlocal errors
        with httpx.Client(base_url=base, timeout=10, headers={"Authorization": f"Bearer {token}"}) as client:
            i = 0
            while time.perf_counter() < end:
                body = {"channel": "phone", "content": f"小区路灯不亮已经一周 {worker}-{i}",
                        "caller_phone": f"138{worker:04d}{i % 10000:04d}", "adcode": "430104"}  # fmt: skip
                t0 = time.perf_counter()
                r = client.post("/api/v1/requests", json=body)
                dt = time.perf_counter() - t0
                with lock:
                    if r.status_code == 201:
                        latencies.append(dt)
                    else:
                        errors += 1
                i += 1

    threads = [threading.Thread(target=run, args=(w,)) for w in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies), latencies, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    url = os.environ.get("LIANDONG_BENCH_DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    # The bench measures throughput, not the abuse limits: lift the per-token limit for this server only.
    env = {
        **os.environ,
        "LIANDONG_DATABASE_URL": url,
        "LIANDONG_LOG_LEVEL": "WARNING",
        "LIANDONG_INTAKE_RATE_PER_MINUTE": "100000000",
    }
    venv_bin = Path(sys.executable).parent
    subprocess.run([str(venv_bin / "liandong"), "db", "upgrade"], env=env, check=True, capture_output=True)
    token = issue_token(url)
    server = subprocess.Popen(
        [str(venv_bin / "uvicorn"), "liandong.api.app:create_app", "--factory", "--port", str(args.port),
         "--workers", str(args.workers), "--log-level", "warning", "--no-access-log"],
        env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{args.port}"
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        # The first request in each worker loads the triage model and the address tables.
        for _ in range(2 * args.workers):
            httpx.post(
                f"{base}/api/v1/requests",
                json={"channel": "phone", "content": "预热"},
                headers={"Authorization": f"Bearer {token}"},
                timeout=300,
            )
        api_load(base, 3, args.concurrency, token)  # warm-up: models and tables load on first use
        count, latencies, errors = api_load(base, args.seconds, args.concurrency, token)
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
    raw = raw_inserts(url, min(args.seconds, 10))
    rps = count / args.seconds
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    print(json.dumps({
        "bench": "intake", "requests_per_s": round(rps, 1), "p50_ms": round(q[49] * 1000, 2),
        "p99_ms": round(q[98] * 1000, 2), "errors": errors, "raw_inserts_per_s": round(raw, 1),
        "ratio": round(rps / raw, 3), "concurrency": args.concurrency, "uvicorn_workers": args.workers,
        "seconds": args.seconds,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
