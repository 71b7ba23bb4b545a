"""Analytics benchmark: bulk-load orders + incidents into PostgreSQL, build rollups, time KPI/hotspot/Erlang.

Prints one JSON line. Targets (issue 10): KPI dashboard queries p95 <= 2 s, Erlang C for 2,000 seats <= 10 ms.

    python bench/analytics.py                  # 10,000,000 rows (5M orders + 5M incidents) over 365 days
    python bench/analytics.py --rows 200000    # a quick run

The data goes into its own database (default liandong_analytics_bench, created if missing), never the app's.
Orders reference one placeholder request (the request FK is dropped in this scratch database only): the
benchmark measures the analytics path, and 5M request rows would only add load time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("LIANDONG_SECRET_KEY", "bench-secret-key-for-analytics-0123456789")

from liandong.analytics.forecast import LOCAL_TZ

COUNTIES = [
    "430102",
    "430103",
    "430104",
    "430105",
    "430111",
    "430112",
    "430121",
    "430181",
    "430182",
    "430124",
]
CATEGORIES = [f"类别{i:02d}" for i in range(30)]
INCIDENT_CODES = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "99"]
UNITS, STATIONS = 200, 50


def ensure_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def reset_schema(url: str) -> None:
    from liandong.database.migrate import upgrade

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")
    upgrade(url)


def _ts(values: np.ndarray) -> np.ndarray:
    """Epoch seconds (NaN = NULL) as ISO text for COPY."""
    out = np.full(values.shape, "", dtype=object)
    ok = ~np.isnan(values)
    out[ok] = np.datetime_as_string(values[ok].astype("int64").astype("datetime64[s]"), unit="s")
    return np.where(ok, np.char.add(out.astype(str), "+00"), "\\N")


def _copy(
    conn: psycopg.Connection, table: str, columns: list[str], cols: list[np.ndarray], chunk: int = 500_000
) -> None:
    n = len(cols[0])
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for lo in range(0, n, chunk):
            parts = [np.asarray(c[lo : lo + chunk]).astype(str) for c in cols]
            lines = parts[0]
            for p in parts[1:]:
                lines = np.char.add(np.char.add(lines, "\t"), p)
            copy.write(("\n".join(lines.tolist()) + "\n").encode())


def _nullable(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    out = values.astype(str).astype(object)
    out[~mask] = "\\N"
    return out


def generate(url: str, rows: int, days: int, seed: int) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    # The hotspot scan looks at yesterday in local time (Asia/Shanghai, UTC+8).
    today_local = datetime.now(UTC).astimezone(LOCAL_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    local_yesterday = today_local.timestamp() - 86400
    start = (end - timedelta(days=days)).timestamp()
    span = days * 86400.0
    n_wo, n_inc = rows // 2, rows - rows // 2
    timings: dict[str, float] = {}
    with psycopg.connect(url) as conn:
        conn.execute("SET synchronous_commit = off")
        now = "2026-01-01T00:00:00+00"
        org_rows = [(f"B{i:05d}", f"单位{i}", "department" if i < UNITS else "police_station",
                     COUNTIES[i % len(COUNTIES)], True, now) for i in range(UNITS + STATIONS)]  # fmt: skip
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO organisations (code, name, kind, adcode, active, created_at) VALUES (%s,%s,%s,%s,%s,%s)",
                org_rows,
            )
            ids = [r[0] for r in cur.execute("SELECT id FROM organisations ORDER BY id").fetchall()]
            cur.execute(
                "INSERT INTO requests (channel, received_by, received_at, status, content, created_at, updated_at) "
                "VALUES ('phone', '12345', now(), 'registered', 'bench', now(), now()) RETURNING id"
            )
            req_id = cur.fetchone()[0]  # type: ignore[index]
            cur.execute("ALTER TABLE work_orders DROP CONSTRAINT fk_work_orders_request_id_requests")
            # Bulk load without secondary indexes, then build them once (as a real bulk import would).
            cur.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('work_orders', 'incidents') "
                "AND indexname NOT LIKE 'pk_%' AND indexname NOT LIKE 'uq_%'"
            )
            indexes = cur.fetchall()
            for name, _ in indexes:
                cur.execute(f"DROP INDEX {name}")
            # Scratch database: skip per-row foreign key triggers during the load (the data is generated valid).
            cur.execute("ALTER TABLE work_orders DISABLE TRIGGER ALL")
            cur.execute("ALTER TABLE incidents DISABLE TRIGGER ALL")
        units = np.array(ids[:UNITS])
        stations = np.array(ids[UNITS:])
        unit_cats = rng.integers(0, len(CATEGORIES), size=(UNITS, 6))  # a unit handles a few categories

        t0 = time.perf_counter()
        u = rng.integers(0, UNITS, n_wo)
        accepted = start + rng.random(n_wo) * span
        # A spike on the last day: one county x category triples, for the hotspot scan to find.
        spike = int(max(50, n_wo / days * 0.1))
        accepted[:spike] = local_yesterday + rng.random(spike) * 86400
        u[:spike] = 0
        cat_idx = unit_cats[u, rng.integers(0, 6, n_wo)]
        cat_idx[:spike] = unit_cats[0, 0]
        dispatched = np.where(rng.random(n_wo) < 0.95, accepted + rng.random(n_wo) * 3600, np.nan)
        signed = np.where(rng.random(n_wo) < 0.9, dispatched + rng.exponential(5400, n_wo), np.nan)
        completed = np.where(rng.random(n_wo) < 0.85, accepted + rng.exponential(3 * 86400, n_wo), np.nan)
        visited = np.where(rng.random(n_wo) < 0.7, completed + 86400, np.nan)
        for arr in (dispatched, signed, completed, visited):
            arr[arr > time.time()] = np.nan
        sat = rng.choice([1, 2, 3, 4, 5], n_wo, p=[0.05, 0.05, 0.1, 0.3, 0.5])
        status = np.where(~np.isnan(visited), "visited", np.where(~np.isnan(completed), "completed",
                          np.where(~np.isnan(signed), "signed", np.where(~np.isnan(dispatched), "dispatched", "accepted"))))  # fmt: skip
        county = np.array(COUNTIES)[u % len(COUNTIES)]
        wo_cols = {
            "request_id": np.full(n_wo, req_id), "request_type": np.full(n_wo, "complaint"),
            "category": np.array(CATEGORIES)[cat_idx], "urgency": np.full(n_wo, "normal"), "status": status,
            "handling_unit_id": units[u], "adcode": county, "summary": np.full(n_wo, "bench"),
            "accepted_at": _ts(accepted), "due_at": _ts(accepted + 5 * 86400), "dispatched_at": _ts(dispatched),
            "signed_at": _ts(signed), "completed_at": _ts(completed), "visited_at": _ts(visited),
            "satisfaction": _nullable(sat, ~np.isnan(visited)),
            "reopen_count": (rng.random(n_wo) < 0.04).astype(int), "supervision_count": np.zeros(n_wo, int),
            "created_by": np.full(n_wo, "bench"), "created_at": _ts(accepted), "updated_at": _ts(accepted),
            "version": np.ones(n_wo, int),
        }  # fmt: skip
        s = rng.integers(0, STATIONS, n_inc)
        reported = start + rng.random(n_inc) * span
        disp = np.where(rng.random(n_inc) < 0.95, reported + rng.random(n_inc) * 300, np.nan)
        arrived = np.where(rng.random(n_inc) < 0.85, disp + rng.exponential(600, n_inc), np.nan)
        resolved = np.where(rng.random(n_inc) < 0.8, reported + rng.exponential(3 * 3600, n_inc), np.nan)
        for arr in (disp, arrived, resolved):
            arr[arr > end.timestamp()] = np.nan
        inc_cols = {
            "category_code": np.array(INCIDENT_CODES)[rng.integers(0, len(INCIDENT_CODES), n_inc)],
            "priority": rng.integers(1, 5, n_inc), "jurisdiction_unit_id": stations[s], "confidential": np.full(n_inc, "f"),
            "status": np.where(~np.isnan(resolved), "resolved", np.where(~np.isnan(disp), "dispatched", "received")),
            "reported_at": _ts(reported), "content": np.full(n_inc, "bench"),
            "adcode": np.array(COUNTIES)[s % len(COUNTIES)], "dispatched_at": _ts(disp), "arrived_at": _ts(arrived),
            "resolved_at": _ts(resolved), "created_by": np.full(n_inc, "bench"), "created_at": _ts(reported),
            "updated_at": _ts(reported), "version": np.ones(n_inc, int),
        }  # fmt: skip
        timings["generate_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        _copy(conn, "work_orders", list(wo_cols), list(wo_cols.values()))
        _copy(conn, "incidents", list(inc_cols), list(inc_cols.values()))
        # Hourly call statistics for both platforms.
        hours = np.arange(int(start), int(end.timestamp()), 3600, dtype=float)
        for number, platform, mean in (("12345", "12345", 400), ("110", "110", 300)):
            offered = rng.poisson(mean, hours.size)
            answered = np.minimum(offered, rng.binomial(offered, 0.93))
            fast = rng.binomial(answered, 0.85)
            _copy(conn, "hotline_call_stats",
                  ["number", "platform", "hour_start", "offered", "answered", "answered_15s", "source", "created_at"],
                  [np.full(hours.size, number), np.full(hours.size, platform), _ts(hours), offered, answered, fast,
                   np.full(hours.size, "bench"), _ts(hours)])  # fmt: skip
        timings["copy_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        with conn.cursor() as cur:
            for _, definition in indexes:
                cur.execute(definition)
            cur.execute("ALTER TABLE work_orders ENABLE TRIGGER ALL")
            cur.execute("ALTER TABLE incidents ENABLE TRIGGER ALL")
            cur.execute("ANALYZE work_orders")
            cur.execute("ANALYZE incidents")
        conn.commit()
        timings["index_s"] = time.perf_counter() - t0
    return timings


def measure(url: str, days: int, repeats: int) -> dict[str, object]:
    from sqlalchemy import text

    from liandong.analytics import erlang, flows, service
    from liandong.analytics.forecast import LOCAL_TZ
    from liandong.database import create_db_engine, make_session_factory

    engine = create_db_engine(url)
    factory = make_session_factory(engine)
    out: dict[str, object] = {}
    today = datetime.now(UTC).astimezone(LOCAL_TZ).date()
    first = today - timedelta(days=days + 1)
    with factory() as session:
        t0 = time.perf_counter()
        out["rollup_rows"] = flows.rebuild_rollups(session=session, start=first, end=today, chunk_days=366)
        out["rollup_build_s"] = round(time.perf_counter() - t0, 2)
        session.execute(text("ANALYZE kpi_daily"))
        session.commit()
        t0 = time.perf_counter()
        flows.rebuild_rollups(session=session, start=today - timedelta(days=1), end=today - timedelta(days=1))
        out["rollup_one_day_s"] = round(time.perf_counter() - t0, 2)
        last30 = service.KpiFilter(start=today - timedelta(days=30), end=today)
        year = service.KpiFilter(start=today - timedelta(days=364), end=today)
        dashboard = [
            lambda: service.kpis(session=session, flt=last30, group_by=["platform"]),
            lambda: service.kpis(session=session, flt=service.KpiFilter(today - timedelta(days=30), today, "12345"), group_by=["unit"]),
            lambda: service.kpis(session=session, flt=year, group_by=["platform", "region"], period="month"),
            lambda: service.kpis(session=session, flt=year, group_by=["platform"], period="day"),
            lambda: service.kpis(session=session, flt=service.KpiFilter(today - timedelta(days=90), today), group_by=["category"]),
            lambda: service.kpis(session=session, flt=service.KpiFilter(today - timedelta(days=364), today, unit_id=1), period="month"),
            lambda: service.kpis(session=session, flt=service.KpiFilter(today - timedelta(days=364), today, "110", adcode="430104"), period="week"),
        ]  # fmt: skip
        times = []
        for _ in range(repeats):
            for query in dashboard:
                t0 = time.perf_counter()
                query()
                times.append(time.perf_counter() - t0)
        times.sort()
        out["kpi_queries"] = len(times)
        out["kpi_p95_s"] = round(times[int(0.95 * (len(times) - 1))], 3)
        out["kpi_max_s"] = round(times[-1], 3)
        t0 = time.perf_counter()
        alerts = service.hotspots(session=session, day=today - timedelta(days=1))
        out["hotspot_scan_s"] = round(time.perf_counter() - t0, 3)
        out["hotspot_alerts"] = len(alerts)
    laps = []
    for _ in range(50):
        t0 = time.perf_counter()
        erlang.erlang_c(agents=2000, traffic=1950.0)
        laps.append(time.perf_counter() - t0)
    out["erlang_c_2000_seats_ms"] = round(statistics.median(laps) * 1000, 3)
    t0 = time.perf_counter()
    result = erlang.agents_needed(1950.0 * 1800 / 240, 240)  # ~1,950 Erlangs: just over 2,000 seats needed
    out["agents_needed_ms"] = round((time.perf_counter() - t0) * 1000, 3)
    out["agents_needed"] = result.agents
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000_000, help="orders + incidents (half each)")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/liandong_analytics_bench")
    parser.add_argument("--repeats", type=int, default=5, help="runs of each dashboard query")
    parser.add_argument("--reuse", action="store_true", help="keep the loaded data; only rebuild and measure")
    parser.add_argument("--seed", type=int, default=10)
    args = parser.parse_args()
    if not 1000 <= args.rows <= 50_000_000 or not 30 <= args.days <= 366:
        parser.error("--rows must be in 1000..50000000 and --days in 30..366")
    result: dict[str, object] = {"bench": "analytics", "rows": args.rows, "days": args.days}
    t0 = time.perf_counter()
    if not args.reuse:
        ensure_database(args.url)
        reset_schema(args.url)
        result.update(
            {k: round(v, 2) for k, v in generate(args.url, args.rows, args.days, args.seed).items()}
        )
    result.update(measure(args.url, args.days, args.repeats))
    result["total_s"] = round(time.perf_counter() - t0, 1)
    result["targets_met"] = bool(result["kpi_p95_s"] <= 2.0 and result["erlang_c_2000_seats_ms"] <= 10)  # type: ignore[operator]
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
