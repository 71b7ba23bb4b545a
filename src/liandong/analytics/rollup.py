"""Daily KPI rollups: rebuild kpi_daily for a range of local days from orders, incidents, events and calls."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, and_, case, cast, delete, func, insert, literal_column, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from liandong.analytics.forecast import LOCAL_TZ
from liandong.analytics.models import COUNTERS, HotlineCallStat, KpiDaily
from liandong.core.errors import InvalidInput
from liandong.core.timeutil import utcnow
from liandong.events.models import Event
from liandong.incident.enums import INCIDENT_CATEGORIES
from liandong.incident.models import PoliceIncident
from liandong.intake.models import ServiceRequest
from liandong.outbox import service as outbox
from liandong.outbox.worker import handler
from liandong.workorder.models import WorkOrder

TOPIC = "analytics.rollup"
MAX_RANGE_DAYS = 366
PLATFORMS = ("12345", "110")
# Definitions (docs/kpis.md): a 12345 order is responded when signed within 2 h of dispatch; a 110 incident
# when the police are on scene within 15 min of dispatch; 110 completes on time when resolved within 24 h.
RESPONSE_LIMIT_SECONDS = {"12345": 2 * 3600, "110": 15 * 60}
INCIDENT_ON_TIME_SECONDS = 24 * 3600
SATISFIED_MIN = 4  # 满意 (5) and 基本满意 (4) on the 1-5 visit scale
# Linkage events counted as transfers between 12345 and 110, and refusals (拒收/退回 with a reason).
TRANSFER_ACTIONS = ("transfer",)
REFUSAL_ACTIONS = ("refuse", "transfer_returned")

Key = tuple[date, str, int, str, str]
Counts = dict[Key, dict[str, int]]
# A call source yields (local day, platform, offered, answered, answered within 15 s) for [start, end).
CallSource = Callable[[Session, datetime, datetime], Iterable[tuple[date, str, int, int, int]]]


def sql_const(text: str) -> ColumnElement[Any]:
    # Constants inline, not bound: PostgreSQL matches GROUP BY expressions textually, and $1 is not $5.
    return literal_column(text)


def local_day(session: Session, column: Any) -> ColumnElement[Any]:
    """SQL for the Asia/Shanghai calendar day of a UTC timestamp column."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone(sql_const("'Asia/Shanghai'"), column), Date)
    # SQLite keeps naive UTC text; China has had no daylight saving since 1991, so +8 h is exact.
    return func.date(column, sql_const("'+8 hours'"))


def seconds_between(session: Session, start: Any, end: Any) -> ColumnElement[Any]:
    """SQL for end - start in seconds."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """UTC instants of local midnight at `start` and after `end`."""
    lo = datetime.combine(start, time(), tzinfo=LOCAL_TZ).astimezone(UTC)
    hi = datetime.combine(end + timedelta(days=1), time(), tzinfo=LOCAL_TZ).astimezone(UTC)
    return lo, hi


def check_range(start: date, end: date, *, max_days: int = MAX_RANGE_DAYS) -> None:
    """Refuse reversed or oversized day ranges."""
    if not isinstance(start, date) or not isinstance(end, date):
        raise InvalidInput("from", "dates must be given as YYYY-MM-DD")
    if end < start:
        raise InvalidInput("to", "must not be before from")
    if (end - start).days + 1 > max_days:
        raise InvalidInput("to", f"at most {max_days} days at once")


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _county(column: Any) -> ColumnElement[Any]:
    return func.coalesce(func.substr(column, sql_const("1"), sql_const("6")), sql_const("''"))


def _cnt(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.sum(case((condition, 1), else_=0))


def _add(counts: Counts, rows: Iterable[Any], platform: str, names: tuple[str, ...], cat: Any = None) -> None:
    for row in rows:
        day, unit, adcode, category, *values = row
        category = cat(category) if cat else category
        key = (_as_date(day), platform, int(unit or 0), adcode or "", (category or "")[:80])
        slot = counts[key]
        for name, value in zip(names, values, strict=True):
            slot[name] = slot.get(name, 0) + int(value or 0)


def _grouped(
    session: Session, ts: Any, unit: Any, adcode: Any, category: Any, lo: datetime, hi: datetime
) -> Callable[..., Any]:
    """A runner of `SELECT day, unit, county, category, aggregates ... GROUP BY` over ts in [lo, hi)."""
    day = local_day(session, ts)
    dims = (
        day,
        func.coalesce(unit, sql_const("0")),
        _county(adcode),
        func.coalesce(category, sql_const("''")),
    )

    def run(*aggs: Any, where: ColumnElement[bool] | None = None, joins: Any = None) -> Any:
        stmt = select(*dims, *aggs)
        if joins is not None:
            stmt = stmt.select_from(joins)
        cond = and_(ts >= lo, ts < hi) if where is None else and_(ts >= lo, ts < hi, where)
        return session.execute(stmt.where(cond).group_by(*dims))

    return run


def _work_orders(session: Session, counts: Counts, lo: datetime, hi: datetime) -> None:
    wo = WorkOrder
    limit = RESPONSE_LIMIT_SECONDS["12345"]

    def by(ts: Any) -> Any:
        return _grouped(session, ts, wo.handling_unit_id, wo.adcode, wo.category, lo, hi)

    _add(counts, by(wo.accepted_at)(func.count()), "12345", ("received",))
    _add(counts, by(wo.dispatched_at)(func.count()), "12345", ("dispatched",))
    delay = seconds_between(session, wo.dispatched_at, wo.signed_at)
    responded = by(wo.signed_at)(_cnt(and_(delay >= 0, delay <= limit)), where=wo.dispatched_at.is_not(None))
    _add(counts, responded, "12345", ("responded",))
    done = by(wo.completed_at)(func.count(), _cnt(wo.completed_at <= wo.due_at))
    _add(counts, done, "12345", ("completed", "completed_on_time"))
    satisfied = wo.satisfaction >= SATISFIED_MIN
    visits = by(wo.visited_at)(
        func.count(),
        _cnt(satisfied),
        _cnt(and_(satisfied, wo.reopen_count == 0)),
        func.coalesce(func.sum(wo.satisfaction), 0),
        where=wo.satisfaction.is_not(None),
    )
    _add(counts, visits, "12345", ("visited", "satisfied", "resolved", "satisfaction_sum"))
    joined = Event.__table__.join(
        wo.__table__, and_(Event.entity_type == "work_order", Event.entity_id == wo.id)
    )
    ev = _grouped(session, Event.occurred_at, wo.handling_unit_id, wo.adcode, wo.category, lo, hi)
    rows = ev(
        _cnt(Event.action == "reopen"),
        _cnt(Event.action.in_(TRANSFER_ACTIONS)),
        _cnt(Event.action.in_(REFUSAL_ACTIONS)),
        where=Event.action.in_(("reopen", *TRANSFER_ACTIONS, *REFUSAL_ACTIONS)),
        joins=joined,
    )
    _add(counts, rows, "12345", ("reopened", "transfers", "refusals"))


def _category_name(code: str) -> str:
    return INCIDENT_CATEGORIES.get(code or "", code or "")


def _incidents(session: Session, counts: Counts, lo: datetime, hi: datetime) -> None:
    inc = PoliceIncident
    limit = RESPONSE_LIMIT_SECONDS["110"]

    def by(ts: Any) -> Any:
        return _grouped(session, ts, inc.jurisdiction_unit_id, inc.adcode, inc.category_code, lo, hi)

    name = _category_name
    _add(counts, by(inc.reported_at)(func.count()), "110", ("received",), name)
    _add(counts, by(inc.dispatched_at)(func.count()), "110", ("dispatched",), name)
    delay = seconds_between(session, inc.dispatched_at, inc.arrived_at)
    arrived = by(inc.arrived_at)(_cnt(and_(delay >= 0, delay <= limit)), where=inc.dispatched_at.is_not(None))
    _add(counts, arrived, "110", ("responded",), name)
    took = seconds_between(session, inc.reported_at, inc.resolved_at)
    done = by(inc.resolved_at)(func.count(), _cnt(took <= INCIDENT_ON_TIME_SECONDS))
    _add(counts, done, "110", ("completed", "completed_on_time"), name)
    joined = Event.__table__.join(
        inc.__table__, and_(Event.entity_type == "incident", Event.entity_id == inc.id)
    )
    ev = _grouped(session, Event.occurred_at, inc.jurisdiction_unit_id, inc.adcode, inc.category_code, lo, hi)
    rows = ev(
        _cnt(Event.action.in_(TRANSFER_ACTIONS)),
        _cnt(Event.action.in_(REFUSAL_ACTIONS)),
        where=Event.action.in_((*TRANSFER_ACTIONS, *REFUSAL_ACTIONS)),
        joins=joined,
    )
    _add(counts, rows, "110", ("transfers", "refusals"), name)


def _request_transfers(session: Session, counts: Counts, lo: datetime, hi: datetime) -> None:
    """Transfers recorded on requests (before any order exists), counted for the platform that received them."""
    req = ServiceRequest
    joined = Event.__table__.join(
        req.__table__, and_(Event.entity_type == "request", Event.entity_id == req.id)
    )
    for platform in PLATFORMS:
        ev = _grouped(session, Event.occurred_at, sql_const("0"), req.adcode, sql_const("''"), lo, hi)
        rows = ev(
            _cnt(Event.action.in_(TRANSFER_ACTIONS)),
            _cnt(Event.action.in_(REFUSAL_ACTIONS)),
            where=and_(Event.action.in_((*TRANSFER_ACTIONS, *REFUSAL_ACTIONS)), req.received_by == platform),
            joins=joined,
        )
        _add(counts, rows, platform, ("transfers", "refusals"))


def call_records_source(
    session: Session, lo: datetime, hi: datetime
) -> Iterable[tuple[date, str, int, int, int]]:
    """Inbound calls from the PBX call records of the speech domain, when that domain is installed."""
    try:
        from liandong.speech.models import CallRecord as PbxCall
    except ImportError:  # the speech domain is optional; hourly statistics stand in for it
        return []
    day = local_day(session, PbxCall.started_at)
    answered = PbxCall.answered_at.is_not(None)
    stmt = (
        select(
            day,
            PbxCall.platform,
            func.count(),
            _cnt(answered),
            _cnt(and_(answered, PbxCall.wait_seconds <= 15)),
        )
        .where(PbxCall.started_at >= lo, PbxCall.started_at < hi, PbxCall.platform.in_(PLATFORMS))
        .where(PbxCall.direction == "inbound")
        .group_by(day, PbxCall.platform)
    )
    return [
        (_as_date(d), p, int(n or 0), int(a or 0), int(f or 0)) for d, p, n, a, f in session.execute(stmt)
    ]


def call_stats_source(
    session: Session, lo: datetime, hi: datetime
) -> Iterable[tuple[date, str, int, int, int]]:
    """Hourly call statistics per hotline number (posted by a switch that keeps no call records here)."""
    c = HotlineCallStat
    day = local_day(session, c.hour_start)
    stmt = (
        select(day, c.platform, func.sum(c.offered), func.sum(c.answered), func.sum(c.answered_15s))
        .where(c.hour_start >= lo, c.hour_start < hi, c.platform.in_(PLATFORMS))
        .group_by(day, c.platform)
    )
    for d, platform, offered, answered, fast in session.execute(stmt):
        yield _as_date(d), platform, int(offered or 0), int(answered or 0), int(fast or 0)


# Pluggable and ordered: for each day and platform the first source with calls wins, so a day is never
# counted twice when a switch posts statistics for calls that are also recorded one by one.
CALL_SOURCES: list[CallSource] = [call_records_source, call_stats_source]


def _calls(session: Session, counts: Counts, lo: datetime, hi: datetime) -> None:
    taken: set[tuple[date, str]] = set()
    for source in CALL_SOURCES:
        found: set[tuple[date, str]] = set()
        for day, platform, offered, answered, fast in source(session, lo, hi):
            if (day, platform) in taken or not offered:
                continue
            found.add((day, platform))
            slot = counts[(day, platform, 0, "", "")]
            slot["calls_offered"] = slot.get("calls_offered", 0) + offered
            slot["calls_answered"] = slot.get("calls_answered", 0) + answered
            slot["calls_answered_15s"] = slot.get("calls_answered_15s", 0) + fast
        taken |= found


def compute(session: Session, start: date, end: date) -> Counts:
    """Counts per rollup key for local days start..end, read from the live tables."""
    lo, hi = day_bounds(start, end)
    counts: Counts = defaultdict(dict)
    _work_orders(session, counts, lo, hi)
    _incidents(session, counts, lo, hi)
    _request_transfers(session, counts, lo, hi)
    _calls(session, counts, lo, hi)
    return counts


def rebuild(*, session: Session, start: date, end: date, chunk: int = 5000) -> int:
    """Replace the rollup rows of start..end (delete + insert, flushed, not committed); returns rows written."""
    check_range(start, end)
    if session.get_bind().dialect.name == "postgresql":
        # Hash aggregation of a year of rows needs more than the 4 MB default; LOCAL ends with the transaction.
        session.execute(text("SET LOCAL work_mem = '128MB'"))
    counts = compute(session, start, end)
    session.execute(delete(KpiDaily).where(KpiDaily.day >= start, KpiDaily.day <= end))
    now = utcnow()
    rows = []
    # Key order: the unique index then grows at its end instead of taking random inserts (5x faster COPY).
    for (day, platform, unit, adcode, category), values in sorted(counts.items()):
        if not start <= day <= end or not any(values.values()):
            continue
        row: dict[str, Any] = {n: values.get(n, 0) for n in COUNTERS}
        row.update(day=day, platform=platform, unit_id=unit, adcode=adcode, category=category, built_at=now)
        rows.append(row)
    if session.get_bind().dialect.name == "postgresql" and rows:
        _copy_rows(session, rows)
    else:
        for i in range(0, len(rows), chunk):
            session.execute(insert(KpiDaily), rows[i : i + chunk])
    session.flush()
    return len(rows)


def _copy_rows(session: Session, rows: list[dict[str, Any]]) -> None:
    """COPY into kpi_daily on the session's own connection (same transaction): a year is ~1M rows."""
    columns = ["day", "platform", "unit_id", "adcode", "category", *COUNTERS, "built_at"]
    raw = session.connection().connection.dbapi_connection
    assert raw is not None

    def clean(value: object) -> str:
        # Categories are free text: keep the COPY text format's separators and escapes out of them.
        return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ").replace("\r", " ")

    built = rows[0]["built_at"].isoformat()
    with raw.cursor() as cur, cur.copy(f"COPY kpi_daily ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
        for i in range(0, len(rows), 20_000):
            lines = [
                "\t".join([r["day"].isoformat(), r["platform"], str(r["unit_id"]), clean(r["adcode"]),
                           clean(r["category"]), *(str(r[c]) for c in COUNTERS), built])
                for r in rows[i : i + 20_000]
            ]  # fmt: skip
            copy.write("\n".join(lines) + "\n")


def enqueue_day(*, session: Session, day: date, generation: str | None = None) -> bool:
    """Queue a rebuild of one day; one job per day and generation (default: the day it is queued)."""
    tag = generation or utcnow().astimezone(LOCAL_TZ).date().isoformat()
    job = outbox.enqueue(
        session=session, topic=TOPIC, payload={"day": day.isoformat()}, dedupe_key=f"{TOPIC}:{day}:{tag}"
    )
    return job is not None


def enqueue_recent(*, session: Session, today: date, days: int = 7) -> int:
    """Queue rebuilds of the `days` days before today: late signatures and visits land in recent days."""
    if not 1 <= days <= 62:
        raise InvalidInput("days", "must be in 1..62")
    return sum(
        enqueue_day(session=session, day=today - timedelta(days=n), generation=today.isoformat())
        for n in range(1, days + 1)
    )


@handler(TOPIC)
def run_rollup_job(session: Session, payload: dict[str, Any]) -> None:
    """Outbox handler: rebuild one day; idempotent, so a retried job just rebuilds it again."""
    try:
        day = date.fromisoformat(str(payload.get("day")))
    except ValueError as exc:
        raise InvalidInput("day", f"bad day in job payload: {payload.get('day')!r}") from exc
    rebuild(session=session, start=day, end=day)


def latest_built(session: Session) -> datetime | None:
    """When the rollups were last rebuilt (for the open data 'trace' metadata)."""
    value: datetime | None = session.scalar(select(func.max(KpiDaily.built_at)))
    return value


def known_platform(value: str) -> str:
    """Refuse platforms other than 12345 and 110."""
    if value not in PLATFORMS:
        raise InvalidInput("platform", f"unknown platform {value!r}; known: {', '.join(PLATFORMS)}")
    return value


SCHEDULE_TOPIC = "analytics.schedule"


@handler(SCHEDULE_TOPIC)
def run_schedule_job(session: Session, payload: dict[str, Any]) -> None:
    """Hourly: refresh today's rollup (hotspots read it) and, once a day, the 7 days before (late visits)."""
    today = utcnow().astimezone(LOCAL_TZ).date()
    enqueue_day(session=session, day=today, generation=f"slot{payload.get('slot', '')}")
    enqueue_recent(session=session, today=today, days=7)
