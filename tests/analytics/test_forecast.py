"""Arrival forecast with weekday/slot seasonality and Chinese holidays; staffing plans and surge what-ifs."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import pytest

from liandong.analytics.forecast import (
    LOCAL_TZ,
    StaffingTarget,
    bucket_arrivals,
    day_class,
    forecast_arrivals,
    local_time,
    staffing_plan,
    surge_what_if,
)
from liandong.core.errors import InvalidInput

DAY_FACTOR = {"workday": 1.0, "sat": 0.5, "sun": 0.5, "holiday": 0.3}


def shape(slot: int) -> float:
    """Arrivals by half hour: quiet nights, a morning peak at 09:30-10:00."""
    return 2.0 if slot < 14 else 60.0 if slot == 19 else 20.0


def synthetic_history(first: date, last: date) -> dict[datetime, float]:
    out: dict[datetime, float] = {}
    day = first
    while day <= last:
        cls = day_class(day)
        factor = DAY_FACTOR.get(cls, DAY_FACTOR["workday"])
        midnight = datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ)
        for slot in range(48):
            out[midnight + timedelta(minutes=30 * slot)] = shape(slot) * factor
        day += timedelta(days=1)
    return out


@pytest.fixture(scope="module")
def history() -> dict[datetime, float]:
    # Eight weeks over 清明 2024 (4/4-4/6 off, Sunday 4/7 worked).
    return synthetic_history(date(2024, 3, 4), date(2024, 4, 28))


def test_day_classes_follow_the_official_calendar() -> None:
    assert day_class(date(2024, 10, 1)) == "holiday"
    assert day_class(date(2024, 9, 29)) == "adjusted_workday"  # Sunday worked before 国庆
    assert day_class(date(2024, 10, 8)) == "tue"
    assert day_class(date(2024, 10, 12)) == "adjusted_workday"  # Saturday worked after 国庆
    assert day_class(date(2024, 10, 13)) == "sun"
    # Years the calendar package does not know fall back to the plain week instead of failing.
    assert day_class(date(2099, 1, 3)) == "sat"


def test_forecast_reproduces_a_stable_pattern(history: dict[datetime, float]) -> None:
    fc = forecast_arrivals(history=history, start=date(2024, 4, 29), days=14)
    assert len(fc) == 14 * 48
    by_day: dict[date, float] = {}
    for item in fc:
        by_day[item.start.date()] = by_day.get(item.start.date(), 0.0) + item.arrivals
    workday_total = sum(shape(s) for s in range(48))
    assert by_day[date(2024, 4, 29)] == pytest.approx(workday_total, rel=0.02)  # Monday
    # 劳动节 2024-05-01..05 is forecast at the holiday level seen at 清明.
    assert by_day[date(2024, 5, 2)] == pytest.approx(0.3 * workday_total, rel=0.05)
    assert by_day[date(2024, 5, 11)] == pytest.approx(workday_total, rel=0.05)  # adjusted Saturday workday
    assert by_day[date(2024, 5, 12)] == pytest.approx(0.5 * workday_total, rel=0.05)  # ordinary Sunday
    monday = [i for i in fc if i.start.date() == date(2024, 4, 29)]
    assert max(monday, key=lambda i: i.arrivals).start.strftime("%H:%M") == "09:30"
    assert monday[0].start.tzinfo is not None


def test_level_follows_a_recent_rise(history: dict[datetime, float]) -> None:
    raised = {ts: v * (2.0 if ts.date() >= date(2024, 4, 15) else 1.0) for ts, v in history.items()}
    base = forecast_arrivals(history=history, start=date(2024, 4, 29), days=1)
    after = forecast_arrivals(history=raised, start=date(2024, 4, 29), days=1)
    ratio = sum(i.arrivals for i in after) / sum(i.arrivals for i in base)
    assert 1.8 < ratio <= 2.0


def test_missing_day_class_borrows_a_similar_one() -> None:
    # Two plain weeks with no holiday: a holiday is forecast like a weekend day, not like a workday.
    hist = synthetic_history(date(2024, 6, 17), date(2024, 6, 30))
    fc = forecast_arrivals(history=hist, start=date(2024, 10, 1), days=1)
    assert fc[0].day_class == "holiday"
    assert sum(i.arrivals for i in fc) == pytest.approx(0.5 * sum(shape(s) for s in range(48)), rel=0.05)


def test_bucket_arrivals_reads_naive_times_as_utc_and_fills_gaps() -> None:
    stamps = [datetime(2024, 1, 1, 16, 5), datetime(2024, 1, 1, 16, 20), datetime(2024, 1, 1, 17, 40)]
    counts = bucket_arrivals(stamps)
    keys = sorted(counts)
    assert keys[0] == datetime(2024, 1, 2, 0, 0, tzinfo=LOCAL_TZ)
    assert [counts[k] for k in keys] == [2, 0, 0, 1]
    assert bucket_arrivals([]) == {}
    assert local_time(datetime(2024, 1, 1, 16, 0)).hour == 0


def test_staffing_plan_per_platform_and_surge(history: dict[datetime, float]) -> None:
    fc = forecast_arrivals(history=history, start=date(2024, 4, 29), days=1)
    plan = staffing_plan(forecast=fc, aht_seconds=240, target="12345")
    assert len(plan) == 48
    peak = max(plan, key=lambda p: p.arrivals)
    assert peak.start.strftime("%H:%M") == "09:30"
    assert all(p.service_level >= 0.9 for p in plan)
    police = staffing_plan(forecast=fc, aht_seconds=240, target="110")
    assert sum(p.agents for p in police) > sum(p.agents for p in plan)
    what_if = surge_what_if(forecast=fc, aht_seconds=240, multipliers=(1, 3, 5))
    totals = {m: sum(p.agents for p in rows) for m, rows in what_if.items()}
    assert totals[1.0] < totals[3.0] < totals[5.0]
    assert what_if[5.0][19].arrivals == pytest.approx(5 * fc[19].arrivals)


def test_staffing_plan_with_abandonment_and_custom_target(history: dict[datetime, float]) -> None:
    fc = forecast_arrivals(history=history, start=date(2024, 4, 29), days=1)
    target = StaffingTarget(service_level=0.8, answer_seconds=20)
    with_c = staffing_plan(forecast=fc, aht_seconds=240, target=target)
    with_a = staffing_plan(forecast=fc, aht_seconds=240, target=target, patience_seconds=120)
    assert all(a.agents <= c.agents for a, c in zip(with_a, with_c, strict=True))
    assert all(a.p_abandon is not None and 0 <= a.p_abandon < 1 for a in with_a if a.agents)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"history": {}}, "history"),
        ({"history": {datetime(2024, 1, 1, tzinfo=LOCAL_TZ): -1}}, "history"),
        ({"history": {datetime(2024, 1, 1, tzinfo=LOCAL_TZ): math.nan}}, "history"),
        ({"history": {datetime(2024, 1, 1, tzinfo=LOCAL_TZ): "3"}}, "history"),
        ({"history": {"2024-01-01": 3}}, "timestamp"),
        ({"start": date(2024, 1, 1)}, "start"),
        ({"start": datetime(2024, 2, 1)}, "start"),
        ({"days": 0}, "days"),
        ({"days": 10_000}, "days"),
        ({"interval_minutes": 7}, "interval_minutes"),
        ({"interval_minutes": 0}, "interval_minutes"),
        ({"alpha": 0}, "alpha"),
        ({"alpha": 1.5}, "alpha"),
    ],
)
def test_forecast_bad_input(kwargs: dict, field: str) -> None:
    args = {"history": {datetime(2024, 1, 1, 9, tzinfo=LOCAL_TZ): 3}, "start": date(2024, 1, 2)} | kwargs
    with pytest.raises(InvalidInput) as err:
        forecast_arrivals(**args)
    assert err.value.field == field


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"target": "119"}, "target"),
        ({"surge": 0}, "surge"),
        ({"surge": math.nan}, "surge"),
        ({"surge": 1000}, "surge"),
        ({"aht_seconds": 0}, "aht_seconds"),
        ({"patience_seconds": -5}, "patience_seconds"),
    ],
)
def test_staffing_plan_bad_input(history: dict[datetime, float], kwargs: dict, field: str) -> None:
    fc = forecast_arrivals(history=history, start=date(2024, 4, 29), days=1)[18:20]
    with pytest.raises(InvalidInput) as err:
        staffing_plan(**({"forecast": fc, "aht_seconds": 240} | kwargs))
    assert err.value.field == field


def test_surge_needs_multipliers(history: dict[datetime, float]) -> None:
    fc = forecast_arrivals(history=history, start=date(2024, 4, 29), days=1)
    with pytest.raises(InvalidInput):
        surge_what_if(forecast=fc, aht_seconds=240, multipliers=())
