"""Hotline merger advice: the 60% answer rule, 7x24 coverage, declarations, thin data, bad input."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from liandong.analytics.forecast import LOCAL_TZ
from liandong.analytics.merger import HotlineCall, hour_of_week, merger_advice
from liandong.core.errors import InvalidInput

START = datetime(2024, 9, 2, tzinfo=LOCAL_TZ)  # a Monday
END = START + timedelta(days=14)


def hourly(number: str, answered: Callable[[int, int], bool], per_hour: int = 1) -> list[HotlineCall]:
    """Calls every hour for two weeks; `answered(hour_index, k)` decides each."""
    out = []
    for h in range(14 * 24):
        for k in range(per_hour):
            at = START + timedelta(hours=h, minutes=10 * k)
            out.append(HotlineCall(number, at, answered(h, k)))
    return out


def test_hour_of_week_uses_china_time() -> None:
    assert hour_of_week(START) == 0
    assert hour_of_week(datetime(2024, 9, 8, 23, 30, tzinfo=LOCAL_TZ)) == 167
    assert hour_of_week(datetime(2024, 9, 1, 16, 30)) == 0  # naive UTC = Monday 00:30 in Beijing


def test_good_7x24_line_is_kept() -> None:
    calls = hourly("12315", lambda h, k: k != 2, per_hour=3)  # 2 of 3 answered every hour
    [advice] = merger_advice(calls=calls, period_start=START, period_end=END)
    assert advice.advice == "keep"
    assert advice.answer_rate == pytest.approx(2 / 3)
    assert advice.uncovered_hours == [] and advice.unobserved_hours == []


def test_low_answer_rate_is_merged() -> None:
    calls = hourly("12319", lambda h, k: k == 0, per_hour=2)  # 50%
    [advice] = merger_advice(calls=calls, period_start=START, period_end=END)
    assert advice.advice == "merge"
    assert advice.answer_rate == pytest.approx(0.5)
    assert any("接通率" in r for r in advice.reasons)


def test_office_hours_line_is_merged_for_missing_7x24() -> None:
    # Answers only 9:00-17:00 (3 calls an hour); one call an hour rings out at night. 24 of 40 a day: 60%.
    calls = []
    for h in range(14 * 24):
        day_hour = 9 <= h % 24 < 17
        for k in range(3 if day_hour else 1):
            calls.append(HotlineCall("12333", START + timedelta(hours=h, minutes=10 * k), day_hour))
    [advice] = merger_advice(calls=calls, period_start=START, period_end=END)
    assert advice.answer_rate is not None and advice.answer_rate >= 0.6
    assert advice.advice == "merge"
    assert len(advice.uncovered_hours) == 7 * 16
    assert any("7×24" in r for r in advice.reasons)


def test_single_missed_call_in_a_slot_is_not_a_gap() -> None:
    calls = hourly("12345", lambda h, k: h != 3)  # one unanswered call at Monday 03:00, once
    [advice] = merger_advice(calls=calls, period_start=START, period_end=END)
    assert advice.advice == "keep"
    assert advice.uncovered_hours == []


def test_declaration_and_thin_data() -> None:
    calls = hourly("12358", lambda h, k: True)
    advice = {
        a.number: a
        for a in merger_advice(
            calls=calls, period_start=START, period_end=END, declared_24x7={"12358": False, "96110": True}
        )
    }
    assert advice["12358"].advice == "merge"
    assert advice["96110"].advice == "review"  # declared but no calls seen
    assert advice["96110"].answer_rate is None
    short = merger_advice(calls=calls, period_start=START, period_end=START + timedelta(days=3))
    assert short[0].advice == "review"


def test_calls_outside_the_period_are_ignored() -> None:
    calls = hourly("12315", lambda h, k: True)
    advice = merger_advice(calls=calls, period_start=END, period_end=END + timedelta(days=7))
    assert advice == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"period_end": START},
        {"min_answer_rate": 1.2},
        {"min_calls": 0},
        {"min_slot_calls": -1},
        {"min_answer_rate": "0.6"},
        {"max_unobserved_hours": -1},
        {"calls": [HotlineCall("", START, True)]},
        {"calls": [("12345", START, True)]},
        {"calls": [HotlineCall("12345", "2024-09-02", True)]},  # type: ignore[arg-type]
        {"period_start": "2024-09-02"},
    ],
)
def test_bad_input(kwargs: dict) -> None:
    with pytest.raises(InvalidInput):
        merger_advice(**({"calls": [], "period_start": START, "period_end": END} | kwargs))
