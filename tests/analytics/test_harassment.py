"""Harassment control: candidates with evidence, the emergency rule, human review, the seat notice."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from liandong.analytics.forecast import LOCAL_TZ
from liandong.analytics.harassment import (
    CallRecord,
    abusive_words_in,
    find_candidates,
    is_silent,
    review,
    seat_notice,
)
from liandong.core.errors import InvalidInput

NOW = datetime(2024, 9, 1, 12, tzinfo=LOCAL_TZ)


def call(i: int, caller: str, minutes_ago: float, **kw: object) -> CallRecord:
    args: dict = {"duration_seconds": 60.0, "speech_detected": True, "transcript": "我想咨询一下"} | kw
    return CallRecord(id=f"c{i}", caller=caller, started_at=NOW - timedelta(minutes=minutes_ago), **args)


def test_abusive_words_survive_spacing_width_and_case() -> None:
    assert abusive_words_in("你们都是傻 逼") == ["傻逼"]
    assert abusive_words_in("你个ＳＢ，快点") == ["sb"]
    assert abusive_words_in("你个 ＳＢ 快点") == ["sb"]
    assert "他妈的" in abusive_words_in("他*妈*的怎么还不来")
    assert abusive_words_in("我家门口垃圾没人收，请处理") == []
    assert abusive_words_in("he said sbc is a company") == []
    # A reported threat is a report, not abuse of the operator.
    assert abusive_words_in("他说要杀了我，快来人") == []


def test_silent_call_rules() -> None:
    assert is_silent(call(1, "1", 1, duration_seconds=3, speech_detected=False, transcript=""))
    assert is_silent(call(2, "1", 1, duration_seconds=3, speech_detected=None, transcript="  "))
    assert not is_silent(call(3, "1", 1, duration_seconds=3, speech_detected=None, transcript="喂"))
    assert not is_silent(call(4, "1", 1, duration_seconds=30, speech_detected=False))
    assert not is_silent(call(5, "1", 1, duration_seconds=2, speech_detected=False, answered=False))


def test_frequent_silent_and_abusive_callers_become_candidates() -> None:
    calls = [call(i, "13800138000", i * 10) for i in range(25)]  # frequent
    calls += [
        call(100 + i, "13900139000", i, duration_seconds=2, speech_detected=False, transcript="")
        for i in range(6)
    ]
    calls += [call(200 + i, "13700137000", i, transcript="你们这群废物") for i in range(2)]
    calls += [call(300 + i, "13600136000", i) for i in range(3)]  # ordinary caller
    found = {c.caller: c for c in find_candidates(calls=calls, now=NOW)}
    assert set(found) == {"13800138000", "13900139000", "13700137000"}
    assert found["13800138000"].total_calls == 25
    assert found["13800138000"].reasons == ["频繁来电：24小时内25次"]
    assert found["13900139000"].reasons == ["无声来电：6次短时无语音通话"]
    assert found["13700137000"].reasons == ["辱骂：2次通话含辱骂用语"]
    assert found["13900139000"].silent_calls == 6
    assert found["13700137000"].abusive_words == ["废物"]
    assert found["13700137000"].example_call_ids[:2] == ["c200", "c201"]
    assert all(c.restriction_allowed for c in found.values())


def test_recent_emergency_caller_is_never_eligible_for_restriction() -> None:
    calls = [call(i, "13800138000", i, transcript="傻逼") for i in range(3)]
    calls.append(call(99, "+86 13800138000", 60 * 24 * 5, emergency=True, transcript="有人打劫"))
    [candidate] = find_candidates(calls=calls, now=NOW)
    assert candidate.restriction_allowed is False
    assert candidate.recent_emergency_call_ids == ["c99"]
    flag = review(candidate=candidate, reviewer="张三", confirm=True, now=NOW)
    assert flag.confirmed and flag.restriction_allowed is False
    # An emergency older than the lookback no longer protects.
    old = [*calls[:3], call(99, "13800138000", 60 * 24 * 40, emergency=True)]
    assert find_candidates(calls=old, now=NOW)[0].restriction_allowed is True


def test_calls_outside_window_or_withheld_are_ignored() -> None:
    calls = [call(i, "13800138000", 60 * 30 + i) for i in range(30)]  # 30 h ago
    calls += [call(100 + i, "", i, transcript="傻逼") for i in range(5)]
    calls += [call(200 + i, "13500135000", -10 - i, transcript="傻逼") for i in range(5)]  # future
    assert find_candidates(calls=calls, now=NOW) == []


def test_review_and_seat_notice() -> None:
    calls = [call(i, "13700137000", i, transcript="滚蛋") for i in range(2)]
    [candidate] = find_candidates(calls=calls, now=NOW)
    flag = review(
        candidate=candidate, reviewer=" 李四 ", confirm=True, now=NOW, note="录音已核实", ttl_days=30
    )
    assert flag.reviewer == "李四"
    assert flag.restriction_allowed is True
    notice = seat_notice(flag=flag, now=NOW + timedelta(days=1))
    assert notice is not None and "人工复核" in notice and "正常接听" in notice
    assert seat_notice(flag=flag, now=NOW + timedelta(days=1), emergency=True) is None
    assert seat_notice(flag=flag, now=NOW + timedelta(days=31)) is None
    rejected = review(candidate=candidate, reviewer="李四", confirm=False, now=NOW)
    assert not rejected.restriction_allowed
    assert seat_notice(flag=rejected, now=NOW) is None
    assert seat_notice(flag=None, now=NOW) is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"reviewer": ""},
        {"reviewer": "   "},
        {"reviewer": None},
        {"ttl_days": 0},
        {"ttl_days": 1000},
        {"note": "x" * 3000},
    ],
)
def test_review_bad_input(kwargs: dict) -> None:
    [candidate] = find_candidates(
        calls=[call(i, "13700137000", i, transcript="滚蛋") for i in range(2)], now=NOW
    )
    with pytest.raises(InvalidInput):
        review(**({"candidate": candidate, "reviewer": "王五", "confirm": True, "now": NOW} | kwargs))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"window_hours": 0},
        {"frequent_calls": -1},
        {"silent_calls": 1.5},
        {"abusive_calls": True},
        {"calls": [{"caller": "1"}]},
        {"now": None},
    ],
)
def test_find_candidates_bad_input(kwargs: dict) -> None:
    with pytest.raises(InvalidInput):
        find_candidates(**({"calls": [], "now": NOW} | kwargs))
