"""Fused hotspot detection: EWMA/Poisson scan, Benjamini-Hochberg, alerts with examples, bad input."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liandong.analytics.forecast import LOCAL_TZ
from liandong.analytics.hotspot import (
    EventRecord,
    benjamini_hochberg,
    detect_hotspots,
    ewma_poisson_scan,
    scan_days,
)
from liandong.core.errors import InvalidInput

DAY = date(2024, 7, 20)


def rec(
    i: int, day: date, region: str, category: str, platform: str = "12345", hour: int = 10
) -> EventRecord:
    at = datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TZ)
    return EventRecord(
        id=f"{platform}-{i}", platform=platform, region=region, category=category, occurred_at=at
    )


def baseline_stream() -> list[EventRecord]:
    """Four steady series over 28 days: 2 a day each, both platforms."""
    out: list[EventRecord] = []
    i = 0
    for back in range(28, -1, -1):
        day = DAY - timedelta(days=back)
        for region, category in [
            ("朝阳区", "噪音扰民"),
            ("海淀区", "供水"),
            ("朝阳区", "供水"),
            ("东城区", "交通"),
        ]:
            for platform in ("12345", "110"):
                i += 1
                out.append(rec(i, day, region, category, platform))
    return out


def test_a_surge_in_one_series_is_the_only_alert() -> None:
    records = baseline_stream()
    surge = [rec(1000 + k, DAY, "海淀区", "供水", "12345" if k % 3 else "110") for k in range(18)]
    alerts = detect_hotspots(records=records + surge, day=DAY)
    assert [(a.region, a.category) for a in alerts] == [("海淀区", "供水")]
    alert = alerts[0]
    assert alert.count == 20
    assert alert.expected == pytest.approx(2.0)
    assert alert.p_value < 1e-6
    assert alert.score > 6
    assert sum(alert.by_platform.values()) == 20
    assert set(alert.by_platform) == {"12345", "110"}
    assert len(alert.example_ids) == 5


def test_no_alert_without_a_rise_or_below_minimum_count() -> None:
    assert detect_hotspots(records=baseline_stream(), day=DAY) == []
    # A new series with 2 records has a tiny baseline but stays under min_count.
    fresh = [rec(9000 + k, DAY, "西城区", "燃气", "110") for k in range(2)]
    assert detect_hotspots(records=baseline_stream() + fresh, day=DAY) == []
    assert detect_hotspots(records=[], day=DAY) == []


def test_records_are_bucketed_by_china_local_day() -> None:
    # 23:30 UTC on the 19th is 07:30 on the 20th in Beijing.
    naive_utc = [
        EventRecord(f"x{k}", "110", "朝阳区", "打架斗殴", datetime(2024, 7, 19, 23, 30)) for k in range(6)
    ]
    alerts = detect_hotspots(records=naive_utc, day=DAY)
    assert [(a.region, a.count) for a in alerts] == [("朝阳区", 6)]
    assert detect_hotspots(records=naive_utc, day=date(2024, 7, 19)) == []


def test_blank_region_and_category_group_as_unknown() -> None:
    blanks = [
        EventRecord(f"b{k}", "12345", " ", "", datetime(2024, 7, 20, 3, tzinfo=LOCAL_TZ)) for k in range(5)
    ]
    alerts = detect_hotspots(records=blanks, day=DAY)
    assert (alerts[0].region, alerts[0].category) == ("未知", "未知")


def test_fixed_alpha_versus_bh() -> None:
    counts = np.array([[2, 2, 2, 2, 7]] + [[2, 2, 2, 2, 2]] * 50)
    fixed = ewma_poisson_scan(counts, correction="fixed", alpha=0.05)
    bh = ewma_poisson_scan(counts, correction="bh", alpha=0.05)
    assert fixed.significant[0]
    assert bh.significant.sum() <= fixed.significant.sum()
    assert not fixed.significant[1:].any()


def test_benjamini_hochberg_known_case() -> None:
    p = np.array([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216])
    assert benjamini_hochberg(p, 0.05).tolist() == [True, True] + [False] * 8
    assert benjamini_hochberg(np.array([]), 0.05).tolist() == []


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(0, 50), min_size=3, max_size=10), min_size=1, max_size=8))
def test_scan_properties(rows: list[list[int]]) -> None:
    width = min(len(r) for r in rows)
    matrix = np.array([r[:width] for r in rows])
    result = ewma_poisson_scan(matrix)
    assert ((result.p_value >= 0) & (result.p_value <= 1)).all()
    # Only rises at or above the minimum count can alert.
    assert (~result.significant | ((result.count >= 3) & (result.count > result.expected))).all()


def test_scan_days_covers_each_day() -> None:
    records = baseline_stream() + [rec(5000 + k, DAY, "东城区", "交通", "110") for k in range(15)]
    out = scan_days(records=records, start=DAY - timedelta(days=2), end=DAY)
    assert sorted(out) == [DAY - timedelta(days=2), DAY - timedelta(days=1), DAY]
    assert out[DAY - timedelta(days=1)] == []
    assert [a.category for a in out[DAY]] == ["交通"]


@pytest.mark.parametrize(
    ("counts", "kwargs"),
    [
        (np.array([1, 2, 3]), {}),
        (np.array([[1]]), {}),
        (np.array([[1, -1]]), {}),
        (np.array([[1, math.nan]]), {}),
        (np.array([[1, 2]]), {"smoothing": 0}),
        (np.array([[1, 2]]), {"alpha": 1.5}),
        (np.array([[1, 2]]), {"correction": "bonferroni"}),
        (np.array([[1, 2]]), {"smoothing": "0.3"}),
        (np.array([[1, 2]]), {"min_count": 0}),
        (np.array([[1, 2]]), {"min_expected": 0}),
    ],
)
def test_scan_bad_input(counts: np.ndarray, kwargs: dict) -> None:
    with pytest.raises(InvalidInput):
        ewma_poisson_scan(counts, **kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"day": datetime(2024, 7, 20)},
        {"day": "2024-07-20"},
        {"lookback_days": 0},
        {"lookback_days": 10_000},
        {"lookback_days": 2.5},
        {"records": [("id", "110")]},
        {"records": [EventRecord("x", "110", "a", "b", "2024-07-20")]},  # type: ignore[arg-type]
    ],
)
def test_detect_bad_input(kwargs: dict) -> None:
    with pytest.raises(InvalidInput):
        detect_hotspots(**({"records": [], "day": DAY} | kwargs))


def test_scan_days_refuses_reversed_or_huge_ranges() -> None:
    with pytest.raises(InvalidInput):
        scan_days(records=[], start=DAY, end=DAY - timedelta(days=1))
    with pytest.raises(InvalidInput):
        scan_days(records=[], start=DAY, end=DAY + timedelta(days=400))
