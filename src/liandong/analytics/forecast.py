"""Half-hourly arrival forecast (weekday x slot seasonality, holidays, SES level) and staffing plans."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

from liandong.analytics.erlang import agents_needed, agents_needed_erlang_a
from liandong.core.errors import InvalidInput

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
MAX_FORECAST_DAYS = 366
WORKDAYS = ("mon", "tue", "wed", "thu", "fri")


def local_time(value: datetime, tz: ZoneInfo = LOCAL_TZ) -> datetime:
    """Wall-clock time in China; naive datetimes are UTC, as the database stores them."""
    if not isinstance(value, datetime):
        raise InvalidInput("timestamp", f"must be a datetime, got {type(value).__name__}")
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    return aware.astimezone(tz)


def day_class(day: date) -> str:
    """Seasonal class of a day: mon..fri, sat, sun, holiday (法定节假日) or adjusted_workday (调休上班)."""
    weekday = day.weekday()
    try:
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        # The calendar package only knows published years; beyond them fall back to the plain week.
        is_holiday, name = weekday >= 5, None
    if is_holiday and name is not None:
        return "holiday"
    if not is_holiday and weekday >= 5:
        return "adjusted_workday"
    return ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[weekday]


# Where a class has no history yet, borrow the profile of the nearest kind of day.
_FALLBACK = {
    "holiday": ("sun", "sat"),
    "adjusted_workday": WORKDAYS,
    "sat": ("sun", "holiday"),
    "sun": ("sat", "holiday"),
    **{d: WORKDAYS for d in WORKDAYS},
}


@dataclass(frozen=True, slots=True)
class IntervalForecast:
    """Expected arrivals in one interval starting at `start` (Asia/Shanghai)."""

    start: datetime
    day_class: str
    arrivals: float


def bucket_arrivals(timestamps: Iterable[datetime], *, interval_minutes: int = 30) -> dict[datetime, int]:
    """Count call timestamps per local interval, with zeros for empty intervals between first and last."""
    step = _interval(interval_minutes)
    counts: dict[datetime, int] = defaultdict(int)
    for ts in timestamps:
        local = local_time(ts)
        counts[_floor(local, step)] += 1
    if not counts:
        return {}
    cursor, last = min(counts), max(counts)
    out: dict[datetime, int] = {}
    while cursor <= last:
        out[cursor] = counts.get(cursor, 0)
        cursor = (cursor.astimezone(UTC) + step).astimezone(LOCAL_TZ)
    return out


def _interval(interval_minutes: int) -> timedelta:
    if isinstance(interval_minutes, bool) or not isinstance(interval_minutes, int):
        raise InvalidInput("interval_minutes", "must be an integer")
    if interval_minutes <= 0 or (24 * 60) % interval_minutes:
        raise InvalidInput("interval_minutes", f"must divide a day evenly, got {interval_minutes}")
    return timedelta(minutes=interval_minutes)


def _floor(local: datetime, step: timedelta) -> datetime:
    minutes = local.hour * 60 + local.minute
    size = int(step.total_seconds() // 60)
    return local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(
        minutes=minutes - minutes % size
    )


def _slot(local: datetime, step: timedelta) -> int:
    return (local.hour * 60 + local.minute) // int(step.total_seconds() // 60)


def forecast_arrivals(
    *,
    history: Mapping[datetime, float],
    start: date,
    days: int = 7,
    interval_minutes: int = 30,
    alpha: float = 0.3,
) -> list[IntervalForecast]:
    """Forecast arrivals per interval for `days` days from `start` out of per-interval history counts."""
    # History should hold whole days: a half-filled last day would read as a drop in the level.
    step = _interval(interval_minutes)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_FORECAST_DAYS:
        raise InvalidInput("days", f"must be an integer in 1..{MAX_FORECAST_DAYS}")
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha <= 1:
        raise InvalidInput("alpha", "must be in (0, 1]")
    if not isinstance(start, date) or isinstance(start, datetime):
        raise InvalidInput("start", "must be a date")
    if not history:
        raise InvalidInput("history", "no history to forecast from")
    slots = 24 * 60 // int(step.total_seconds() // 60)
    daily: dict[date, list[float]] = defaultdict(lambda: [0.0] * slots)
    for ts, count in history.items():
        if (
            isinstance(count, bool)
            or not isinstance(count, int | float)
            or not math.isfinite(count)
            or count < 0
        ):
            raise InvalidInput("history", f"count at {ts} must be a non-negative number, got {count!r}")
        local = local_time(ts)
        daily[local.date()][_slot(local, step)] += float(count)
    ordered = sorted(daily)
    if ordered[-1] >= start:
        raise InvalidInput("start", "forecast must start after the last day of history")
    totals = {d: sum(daily[d]) for d in ordered}
    classes = {d: day_class(d) for d in ordered}
    overall = sum(totals.values()) / len(totals)

    by_class: dict[str, list[date]] = defaultdict(list)
    for d in ordered:
        by_class[classes[d]].append(d)
    factor: dict[str, float] = {}
    profile: dict[str, list[float]] = {}
    for cls, members in by_class.items():
        mean_total = sum(totals[d] for d in members) / len(members)
        factor[cls] = mean_total / overall if overall > 0 else 1.0
        sums = [sum(daily[d][s] for d in members) for s in range(slots)]
        whole = sum(sums)
        profile[cls] = [v / whole for v in sums] if whole > 0 else [1.0 / slots] * slots

    # Simple exponential smoothing of the deseasonalised daily total gives the current level.
    level = totals[ordered[0]] / (factor[classes[ordered[0]]] or 1.0)
    for d in ordered[1:]:
        f = factor[classes[d]]
        observed = totals[d] / f if f > 0 else level
        level = alpha * observed + (1 - alpha) * level

    out: list[IntervalForecast] = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        cls = day_class(day)
        f, prof = _class_shape(cls, factor, profile, slots)
        midnight = datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ)
        for s in range(slots):
            out.append(IntervalForecast(midnight + step * s, cls, level * f * prof[s]))
    return out


def _class_shape(
    cls: str, factor: Mapping[str, float], profile: Mapping[str, list[float]], slots: int
) -> tuple[float, list[float]]:
    if cls in factor:
        return factor[cls], profile[cls]
    known = [c for c in _FALLBACK.get(cls, ()) if c in factor]
    if not known:
        return 1.0, [sum(p[s] for p in profile.values()) / len(profile) for s in range(slots)]
    f = sum(factor[c] for c in known) / len(known)
    return f, [sum(profile[c][s] for c in known) / len(known) for s in range(slots)]


@dataclass(frozen=True, slots=True)
class StaffingTarget:
    """Service target: share `service_level` answered within `answer_seconds`."""

    service_level: float
    answer_seconds: float
    max_occupancy: float | None = None


# Defaults, not regulation: 12345 at 90% within 15 s (issue 10); 110 stricter as any call may be urgent.
PLATFORM_TARGETS: dict[str, StaffingTarget] = {
    "12345": StaffingTarget(service_level=0.9, answer_seconds=15, max_occupancy=0.9),
    "110": StaffingTarget(service_level=0.95, answer_seconds=10, max_occupancy=0.85),
}


@dataclass(frozen=True, slots=True)
class StaffingInterval:
    """Seats needed in one interval and what they achieve."""

    start: datetime
    arrivals: float
    agents: int
    service_level: float
    p_abandon: float | None


def staffing_plan(
    *,
    forecast: Sequence[IntervalForecast],
    aht_seconds: float,
    target: StaffingTarget | str = "12345",
    surge: float = 1.0,
    patience_seconds: float | None = None,
    interval_minutes: int = 30,
) -> list[StaffingInterval]:
    """Seats per interval (Erlang C, or Erlang A when a mean patience is given) for the forecast x surge."""
    if isinstance(target, str):
        if target not in PLATFORM_TARGETS:
            raise InvalidInput("target", f"unknown platform {target!r}; known: {sorted(PLATFORM_TARGETS)}")
        target = PLATFORM_TARGETS[target]
    if isinstance(surge, bool) or not isinstance(surge, int | float) or not 0 < surge <= 100:
        raise InvalidInput("surge", f"must be in (0, 100], got {surge!r}")
    interval_seconds = _interval(interval_minutes).total_seconds()
    plan: list[StaffingInterval] = []
    for item in forecast:
        arrivals = item.arrivals * surge
        if patience_seconds is None:
            c = agents_needed(
                arrivals,
                aht_seconds,
                interval_seconds,
                target_sl=target.service_level,
                target_t=target.answer_seconds,
                max_occupancy=target.max_occupancy,
            )
            plan.append(StaffingInterval(item.start, arrivals, c.agents, c.service_level, None))
        else:
            a = agents_needed_erlang_a(
                arrivals_per_interval=arrivals,
                aht_seconds=aht_seconds,
                patience_seconds=patience_seconds,
                interval_seconds=interval_seconds,
                target_sl=target.service_level,
                target_t=target.answer_seconds,
            )
            plan.append(StaffingInterval(item.start, arrivals, a.agents, a.service_level, a.p_abandon))
    return plan


def surge_what_if(
    *,
    forecast: Sequence[IntervalForecast],
    aht_seconds: float,
    target: StaffingTarget | str = "12345",
    multipliers: Sequence[float] = (1.0, 3.0, 5.0),
    interval_minutes: int = 30,
) -> dict[float, list[StaffingInterval]]:
    """Staffing plans for the forecast scaled by each surge multiplier (x3, x5 for a disaster day)."""
    if not multipliers:
        raise InvalidInput("multipliers", "give at least one multiplier")
    return {
        float(m): staffing_plan(
            forecast=forecast,
            aht_seconds=aht_seconds,
            target=target,
            surge=m,
            interval_minutes=interval_minutes,
        )
        for m in multipliers
    }
