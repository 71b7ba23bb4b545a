"""Analytics queries: KPIs from the rollups, fused hotspots, dispute risks, staffing, hotline merger."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from liandong.analytics import sources
from liandong.analytics.forecast import (
    LOCAL_TZ,
    IntervalForecast,
    StaffingInterval,
    forecast_arrivals,
    staffing_plan,
)
from liandong.analytics.hotspot import HotspotAlert, ewma_poisson_scan
from liandong.analytics.merger import MergerAdvice, merger_advice
from liandong.analytics.models import COUNTERS, HarassmentFlag, KpiDaily
from liandong.analytics.risk import RiskItem, dispute_risks
from liandong.analytics.rollup import check_range, day_bounds, known_platform, sql_const
from liandong.core.errors import InvalidInput
from liandong.incident.enums import INCIDENT_CATEGORIES
from liandong.incident.models import PoliceIncident
from liandong.security.pii import mask_text
from liandong.workorder.models import WorkOrder

GROUPS = ("platform", "unit", "region", "category")
PERIODS = ("day", "week", "month", "year", "total")
REGION_LEVELS = {"province": 2, "city": 4, "county": 6}
MAX_GROUPS = 20_000
UNKNOWN = "未知"


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def kpi_values(c: dict[str, int]) -> dict[str, float | None]:
    """KPI rates from summed counters (keys as evaluation.py expects; None when the denominator is 0)."""
    return {
        "answer_rate": _rate(c["calls_answered"], c["calls_offered"]),
        "answered_within_15s_rate": _rate(c["calls_answered_15s"], c["calls_offered"]),
        "response_rate": _rate(c["responded"], c["dispatched"]),
        "on_time_completion_rate": _rate(c["completed_on_time"], c["completed"]),
        "resolution_rate": _rate(c["resolved"], c["visited"]),
        "satisfaction_rate": _rate(c["satisfied"], c["visited"]),
        "mean_satisfaction": round(c["satisfaction_sum"] / c["visited"], 3) if c["visited"] else None,
        "reopen_rate": _rate(c["reopened"], c["completed"]),
        "transfer_refusal_rate": _rate(c["refusals"], c["transfers"]),
    }


@dataclass(slots=True)
class KpiRow:
    """Summed counters and KPI rates of one group."""

    period: str | None
    platform: str | None
    unit_id: int | None
    region: str | None
    category: str | None
    counts: dict[str, int]
    kpis: dict[str, float | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class KpiFilter:
    """Which rollup rows a KPI query reads."""

    start: date
    end: date
    platform: str | None = None
    unit_id: int | None = None
    adcode: str | None = None
    category: str | None = None


def region_prefix(adcode: str) -> str:
    """The rollup prefix of a region code: 43 or 430000 (province), 4301 or 430100 (city), 430104 (county)."""
    if not adcode.isdigit() or len(adcode) not in (2, 4, 6, 9, 12):
        raise InvalidInput("adcode", "must be a 2, 4 or 6 digit division code")
    code = adcode[:6]
    if len(code) == 6 and code.endswith("0000"):
        return code[:2]
    if len(code) == 6 and code.endswith("00"):
        return code[:4]
    return code


def _filtered(stmt: Select[Any], f: KpiFilter) -> Select[Any]:
    stmt = stmt.where(KpiDaily.day >= f.start, KpiDaily.day <= f.end)
    if f.platform:
        stmt = stmt.where(KpiDaily.platform == known_platform(f.platform))
    if f.unit_id is not None:
        stmt = stmt.where(KpiDaily.unit_id == f.unit_id)
    if f.adcode:
        stmt = stmt.where(KpiDaily.adcode.startswith(region_prefix(f.adcode)))
    if f.category:
        stmt = stmt.where(KpiDaily.category == f.category)
    return stmt


def _period_expr(session: Session, period: str) -> Any:
    if period in ("day", "week"):
        return KpiDaily.day
    if period == "total":
        return None
    width = {"month": 7, "year": 4}[period]
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(KpiDaily.day, sql_const("'YYYY-MM'" if width == 7 else "'YYYY'"))
    return func.substr(KpiDaily.day, sql_const("1"), sql_const(str(width)))


def _period_key(period: str, value: Any) -> str | None:
    if value is None:
        return None
    if period == "week":
        d = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        year, week, _ = d.isocalendar()
        return f"{year}-W{week:02d}"
    return str(value)[:10]


def kpis(
    *,
    session: Session,
    flt: KpiFilter,
    group_by: Sequence[str] = (),
    period: str = "total",
    region_level: str = "county",
) -> list[KpiRow]:
    """KPI rows from kpi_daily only, grouped by any of platform/unit/region/category and a period."""
    check_range(flt.start, flt.end)
    unknown = [g for g in group_by if g not in GROUPS]
    if unknown:
        raise InvalidInput("group_by", f"unknown grouping {unknown[0]!r}; known: {', '.join(GROUPS)}")
    if period not in PERIODS:
        raise InvalidInput("period", f"must be one of {', '.join(PERIODS)}")
    if region_level not in REGION_LEVELS:
        raise InvalidInput("region_level", f"must be one of {', '.join(REGION_LEVELS)}")
    width = REGION_LEVELS[region_level]
    dims: dict[str, Any] = {}
    period_col = _period_expr(session, period)
    if period_col is not None:
        dims["period"] = period_col
    columns = {
        "platform": KpiDaily.platform,
        "unit": KpiDaily.unit_id,
        "region": func.substr(KpiDaily.adcode, sql_const("1"), sql_const(str(width))),
        "category": KpiDaily.category,
    }
    for name in GROUPS:
        if name in group_by:
            dims[name] = columns[name]
    sums = [func.coalesce(func.sum(getattr(KpiDaily, c)), 0) for c in COUNTERS]
    stmt = _filtered(select(*dims.values(), *sums), flt)
    if dims:
        stmt = stmt.group_by(*dims.values())
    merged: dict[tuple[str | None, str | None, int | None, str | None, str | None], dict[str, int]] = {}
    for row in session.execute(stmt.limit(MAX_GROUPS * 8 + 1)):
        values = dict(zip(dims, row[: len(dims)], strict=True))
        key = (
            _period_key(period, values.get("period")),
            values.get("platform"),
            values.get("unit"),
            values.get("region"),
            values.get("category"),
        )
        slot = merged.setdefault(key, dict.fromkeys(COUNTERS, 0))
        for name, value in zip(COUNTERS, row[len(dims) :], strict=True):
            slot[name] += int(value or 0)
        if len(merged) > MAX_GROUPS:
            raise InvalidInput("group_by", f"more than {MAX_GROUPS} groups: narrow the filters or the period")
    out = [
        KpiRow(period=p, platform=pf, unit_id=u, region=r, category=cat, counts=c, kpis=kpi_values(c))
        for (p, pf, u, r, cat), c in merged.items()
    ]
    out.sort(
        key=lambda r: tuple(
            "" if v is None else str(v) for v in (r.period, r.platform, r.unit_id, r.region, r.category)
        )
    )
    return out


def kpi_summary(*, session: Session, flt: KpiFilter) -> dict[str, float | None]:
    """One set of KPI rates for the whole filter (the evaluation reads this)."""
    rows = kpis(session=session, flt=flt)
    return rows[0].kpis if rows else kpi_values(dict.fromkeys(COUNTERS, 0))


@dataclass(frozen=True, slots=True)
class HotspotExample:
    """A record behind an alert: its number, platform and a masked excerpt."""

    id: str
    platform: str
    text: str


def hotspots(
    *,
    session: Session,
    day: date,
    lookback_days: int = 28,
    alpha: float = 0.01,
    min_count: int = 3,
    smoothing: float = 0.3,
    max_examples: int = 5,
) -> list[tuple[HotspotAlert, list[HotspotExample]]]:
    """Fused 12345 + 110 hotspots: county x category counts of `day` against their own EWMA (from rollups)."""
    if not 7 <= lookback_days <= 365:
        raise InvalidInput("lookback_days", "must be in 7..365")
    first = day - timedelta(days=lookback_days)
    stmt = (
        select(
            KpiDaily.adcode, KpiDaily.category, KpiDaily.day, KpiDaily.platform, func.sum(KpiDaily.received)
        )
        .where(KpiDaily.day >= first, KpiDaily.day <= day, KpiDaily.received > 0)
        .group_by(KpiDaily.adcode, KpiDaily.category, KpiDaily.day, KpiDaily.platform)
    )
    index: dict[tuple[str, str], int] = {}
    matrix: list[np.ndarray] = []
    by_platform: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for adcode, category, d, platform, n in session.execute(stmt):
        key = (adcode or UNKNOWN, category or UNKNOWN)
        if key not in index:
            index[key] = len(matrix)
            matrix.append(np.zeros(lookback_days + 1))
        offset = ((d if isinstance(d, date) else date.fromisoformat(str(d))) - first).days
        matrix[index[key]][offset] += int(n)
        if offset == lookback_days:
            by_platform[key][platform] = by_platform[key].get(platform, 0) + int(n)
    if not matrix:
        return []
    result = ewma_poisson_scan(
        np.vstack(matrix), smoothing=smoothing, alpha=alpha, min_count=min_count, correction="bh"
    )
    keys = list(index)
    out = []
    for i in np.nonzero(result.significant)[0]:
        region, category = keys[i]
        p = float(result.p_value[i])
        examples = _examples(session, day, region, category, max_examples)
        alert = HotspotAlert(
            day=day,
            region=region,
            category=category,
            count=int(result.count[i]),
            expected=round(float(result.expected[i]), 3),
            p_value=p,
            score=round(min(-math.log10(max(p, 1e-300)), 300.0), 3),
            by_platform=by_platform[keys[i]],
            example_ids=[e.id for e in examples],
        )
        out.append((alert, examples))
    out.sort(key=lambda pair: (-pair[0].score, pair[0].region, pair[0].category))
    return out


def _examples(session: Session, day: date, region: str, category: str, limit: int) -> list[HotspotExample]:
    lo, hi = day_bounds(day, day)
    region_cond = region if region != UNKNOWN else ""
    wo = select(WorkOrder.number, WorkOrder.summary).where(
        WorkOrder.accepted_at >= lo, WorkOrder.accepted_at < hi, WorkOrder.category == category
    )
    wo = (
        wo.where(WorkOrder.adcode.startswith(region_cond))
        if region_cond
        else wo.where(WorkOrder.adcode.is_(None))
    )
    out = [
        HotspotExample(n or "", "12345", (mask_text(t) or "")[:120])
        for n, t in session.execute(wo.limit(limit))
    ]
    codes = [c for c, name in INCIDENT_CATEGORIES.items() if name == category]
    if codes and len(out) < limit:
        inc = select(PoliceIncident.number, PoliceIncident.content).where(
            PoliceIncident.reported_at >= lo,
            PoliceIncident.reported_at < hi,
            PoliceIncident.category_code.in_(codes),
            PoliceIncident.confidential.is_(False),  # 保密 incidents never appear as examples
        )
        inc = inc.where(PoliceIncident.adcode.startswith(region_cond)) if region_cond else inc
        rows = session.execute(inc.limit(limit - len(out)))
        out += [HotspotExample(n or "", "110", (mask_text(t) or "")[:120]) for n, t in rows]
    return out


def risks(*, session: Session, now: datetime, window_days: int = 180, limit: int = 100) -> list[RiskItem]:
    """Escalating dispute groups over 12345 orders and 110 incidents (phones as keyed hashes, never numbers)."""
    if not 7 <= window_days <= 366:
        raise InvalidInput("window_days", "must be in 7..366")
    records, phone_keys = sources.dispute_records(session=session, now=now, window_days=window_days)
    items = dispute_risks(records=records, now=now, window_days=window_days, limit=limit)
    # The engine groups by digits; give back the masked number the seat already sees, never the digits.
    return [
        RiskItem(
            phone_keys.get(i.key, i.key) if i.kind == "phone" else i.key,
            i.kind, i.score, i.level, i.record_ids, i.first_at, i.last_at, i.reasons,
        )
        for i in items
    ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class StaffingPlan:
    """Forecast and seats per interval for each surge multiplier."""

    platform: str
    start: date
    days: int
    history_days: int
    forecast: list[IntervalForecast]
    plans: dict[float, list[StaffingInterval]]


def staffing(
    *,
    session: Session,
    platform: str,
    start: date,
    days: int = 1,
    history_days: int = 56,
    aht_seconds: float = 240.0,
    patience_seconds: float | None = None,
    surges: Sequence[float] = (1.0, 3.0, 5.0),
) -> StaffingPlan:
    """Seats per half hour from a forecast of phone arrivals (Erlang C, or A with patience), with surges."""
    known_platform(platform)
    if not 1 <= days <= 14:
        raise InvalidInput("days", "must be in 1..14")
    if not 7 <= history_days <= 366:
        raise InvalidInput("history_days", "must be in 7..366")
    if not surges or len(surges) > 5:
        raise InvalidInput("surge", "give 1 to 5 multipliers")
    history = sources.arrival_history(session=session, platform=platform, start=start, days=history_days)
    if not history:
        raise InvalidInput(
            "history", f"no {platform} phone requests in the {history_days} days before {start}"
        )
    forecast = forecast_arrivals(history=history, start=start, days=days)
    plans = {
        float(m): staffing_plan(
            forecast=forecast,
            aht_seconds=aht_seconds,
            target=platform,
            surge=m,
            patience_seconds=patience_seconds,
        )
        for m in surges
    }
    return StaffingPlan(platform, start, days, history_days, forecast, plans)


def hotline_merger(
    *, session: Session, start: date, end: date, min_answer_rate: float = 0.6, min_calls: int = 100
) -> list[MergerAdvice]:
    """Merge advice per hotline number from its hourly call statistics (policy: < 60% or not 7x24)."""
    check_range(start, end, max_days=92)
    lo, hi = day_bounds(start, end)
    calls = sources.hotline_calls(session=session, lo=lo, hi=hi)
    return merger_advice(
        calls=calls, period_start=lo, period_end=hi, min_answer_rate=min_answer_rate, min_calls=min_calls
    )


def local_midnight(day: date) -> datetime:
    """UTC instant of local midnight starting `day`."""
    return datetime.combine(day, time(), tzinfo=LOCAL_TZ).astimezone(UTC)


def list_flags(
    *, session: Session, status: str | None, limit: int, offset: int
) -> tuple[list[HarassmentFlag], int]:
    """Harassment flags, newest first, optionally by status."""
    stmt = select(HarassmentFlag)
    if status:
        stmt = stmt.where(HarassmentFlag.status == status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(HarassmentFlag.id.desc()).limit(limit).offset(offset))
    return list(rows), total
