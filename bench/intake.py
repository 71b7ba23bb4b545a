"""Intake throughput: requests created through the HTTP API on PostgreSQL vs raw single-row INSERTs.

Prints one JSON line. Needs PostgreSQL (LIANDONG_BENCH_DATABASE_URL, default the local server's `liandong_bench`
database, created if missing). Usage: .venv/bin/python bench/intake.py [--seconds 20] [--concurrency 8]
[--app floor]

`--app floor` serves `bench/intake_floor.py` instead (what the issue requires of an intake, each the cheapest way:
FastAPI, a pydantic body, a token checked in memory, the phone encrypted, request + event rows in one round trip)
under the same load: the ceiling any intake on this stack and machine can reach. The JSON also gives the CPU
each part used per request (API processes, PostgreSQL backends, the load generator), from Linux /proc.

The load comes from wrk (Debian package `wrk`) when it is on PATH, else from Python threads with httpx, which cost
the 2-core machine as much CPU as the server; the JSON says which. Raw INSERTs are measured before and after the API
load (the disk's fsync rate drifts) and the ratio uses their mean.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from proccpu import BackendMeter, cpu_of, tree

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


WRK_SCRIPT = """
local counter = 0
local thread_id = 0
function setup(thread) thread:set("tid", math.random(1, 999)) end
function init(args) thread_id = tid end
request = function()
  counter = counter + 1
  local body = string.format(
    '{"channel":"phone","content":"小区路灯不亮已经一周 %d-%d","caller_phone":"139%04d%04d","adcode":"430104"}',
    thread_id, counter, thread_id, counter % 10000)
  return wrk.format("POST", "/api/v1/requests", {["Content-Type"]="application/json",
    ["Authorization"]="Bearer TOKEN"}, body)
end
"""


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk_load(base: str, seconds: float, concurrency: int, token: str) -> tuple[float, float, float, int]:
    """Requests/s, p50 ms, p99 ms and non-2xx count from wrk with one connection per concurrent client."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT.replace("TOKEN", token))
    try:
        out = subprocess.run(
            ["wrk", "-t", "2", "-c", str(concurrency), "-d", f"{int(seconds)}s", "--latency", "-s", script.name,
             base],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    finally:
        os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    errors += sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return rps, _ms(*p50.groups()), _ms(*p99.groups()), errors  # type: ignore[union-attr]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--loader", choices=["wrk", "httpx"], default="wrk" if shutil.which("wrk") else "httpx"
    )
    parser.add_argument("--app", choices=["liandong", "floor"], default="liandong")
    args = parser.parse_args()
    loader = args.loader
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
    if args.app == "liandong":
        subprocess.run(
            [str(venv_bin / "liandong"), "db", "upgrade"], env=env, check=True, capture_output=True
        )
        token = issue_token(url)
        target = ["liandong.api.app:create_app", "--factory"]
    else:
        token = env["FLOOR_TOKEN"] = "floor-bench-token"
        target = ["intake_floor:app", "--app-dir", str(Path(__file__).resolve().parent)]
    server = subprocess.Popen(
        [str(venv_bin / "uvicorn"), *target, "--port", str(args.port),
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
        raw_before = raw_inserts(url, min(args.seconds, 10))
        api_pids = tree(server.pid)
        api_cpu = sum(cpu_of(p) for p in api_pids)
        children_cpu = _children_cpu()
        own_cpu = time.process_time()
        backends = BackendMeter(ADMIN_URL, [url.rsplit("/", 1)[1]])
        if loader == "wrk":
            rps, p50, p99, errors = wrk_load(base, args.seconds, args.concurrency, token)
        else:
            count, latencies, errors = api_load(base, args.seconds, args.concurrency, token)
            rps = count / args.seconds
            q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
            p50, p99 = q[49] * 1000, q[98] * 1000
        pg_cpu = backends.used()
        api_cpu = sum(cpu_of(p) for p in api_pids) - api_cpu
        # wrk is a child that has exited; the httpx loader runs in this process.
        loader_cpu = _children_cpu() - children_cpu if loader == "wrk" else time.process_time() - own_cpu
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
    raw_after = raw_inserts(url, min(args.seconds, 10))
    raw = (raw_before + raw_after) / 2
    done = rps * args.seconds
    cpu = {"api": api_cpu, "postgresql": pg_cpu, "loader": loader_cpu}
    cpu_ms = {k: round(v / done * 1000, 3) for k, v in {**cpu, "total": sum(cpu.values())}.items()}
    print(json.dumps({
        "bench": "intake", "app": args.app, "cpu_ms_per_request": cpu_ms, "requests_per_s": round(rps, 1), "p50_ms": round(p50, 2),
        "p99_ms": round(p99, 2), "errors": errors, "raw_inserts_per_s": round(raw, 1),
        "raw_inserts_before_after": [round(raw_before, 1), round(raw_after, 1)],
        "ratio": round(rps / raw, 3), "concurrency": args.concurrency, "uvicorn_workers": args.workers,
        "loader": loader, "seconds": args.seconds, "load_average": round(os.getloadavg()[0], 2),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
