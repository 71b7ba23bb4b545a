"""Hotline merger advice (policy 三(一)): numbers under 60% answered or not 7x24 go into 12345."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from liandong.analytics.forecast import local_time
from liandong.core.errors import InvalidInput

HOURS_PER_WEEK = 168


@dataclass(frozen=True, slots=True)
class HotlineCall:
    """One call offered to a hotline number."""

    number: str
    started_at: datetime
    answered: bool


@dataclass(frozen=True, slots=True)
class MergerAdvice:
    """Advice for one hotline number: merge, keep, or review (not enough evidence)."""

    number: str
    advice: str
    offered: int
    answered: int
    answer_rate: float | None
    uncovered_hours: list[int] = field(default_factory=list)
    unobserved_hours: list[int] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def hour_of_week(value: datetime) -> int:
    """0 = Monday 00:00-01:00 local time, 167 = Sunday 23:00-24:00."""
    local = local_time(value)
    return local.weekday() * 24 + local.hour


def merger_advice(
    *,
    calls: Iterable[HotlineCall],
    period_start: datetime,
    period_end: datetime,
    declared_24x7: Mapping[str, bool] | None = None,
    min_answer_rate: float = 0.6,
    min_calls: int = 100,
    max_unobserved_hours: int = 24,
    min_slot_calls: int = 2,
) -> list[MergerAdvice]:
    """Merge advice per number from its calls over the period and any declared service hours."""
    if isinstance(min_answer_rate, bool) or not isinstance(min_answer_rate, int | float):
        raise InvalidInput("min_answer_rate", "must be a number")
    if not 0 < min_answer_rate < 1:
        raise InvalidInput("min_answer_rate", "must be in (0, 1)")
    # Field, value, smallest allowed: zero unobserved hours is a legitimate strict setting.
    limits = (
        ("min_calls", min_calls, 1),
        ("min_slot_calls", min_slot_calls, 1),
        ("max_unobserved_hours", max_unobserved_hours, 0),
    )
    for name, value, least in limits:
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise InvalidInput(name, f"must be an integer >= {least}")
    start, end = local_time(period_start), local_time(period_end)
    if end <= start:
        raise InvalidInput("period_end", "must be after period_start")
    declared = dict(declared_24x7 or {})
    offered: dict[str, int] = defaultdict(int)
    answered: dict[str, int] = defaultdict(int)
    slot_offered: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    slot_answered: dict[str, set[int]] = defaultdict(set)
    for call in calls:
        if not isinstance(call, HotlineCall):
            raise InvalidInput("calls", f"expected HotlineCall, got {type(call).__name__}")
        number = (call.number or "").strip()
        if not number:
            raise InvalidInput("calls", "a call without a hotline number")
        if not start <= local_time(call.started_at) < end:
            continue
        slot = hour_of_week(call.started_at)
        offered[number] += 1
        slot_offered[number][slot] += 1
        if call.answered:
            answered[number] += 1
            slot_answered[number].add(slot)
    # 7x24 can only be judged when the period covers every hour of the week at least once.
    full_week = end - start >= timedelta(days=7)
    out = []
    for number in sorted(set(offered) | set(declared)):
        n_off, n_ans = offered.get(number, 0), answered.get(number, 0)
        rate = n_ans / n_off if n_off else None
        # One missed call at 3 a.m. is chance; repeated unanswered calls in an hour slot mean nobody is there.
        slots = slot_offered[number]
        uncovered = sorted(
            h for h, n in slots.items() if n >= min_slot_calls and h not in slot_answered[number]
        )
        unobserved = sorted(set(range(HOURS_PER_WEEK)) - set(slots))
        reasons: list[str] = []
        merge = False
        if rate is not None and n_off >= min_calls and rate < min_answer_rate:
            merge = True
            reasons.append(f"接通率{rate:.1%}低于{min_answer_rate:.0%}")
        if declared.get(number) is False:
            merge = True
            reasons.append("未提供7×24小时服务（申报）")
        if full_week and uncovered:
            merge = True
            reasons.append(f"{len(uncovered)}个时段有来电但无人接听，未实现7×24小时服务")
        insufficient = n_off < min_calls or not full_week or len(unobserved) > max_unobserved_hours
        if merge:
            advice = "merge"
        elif insufficient:
            advice = "review"
            reasons.append("来电数据不足以判断（呼入量或覆盖时段不够）")
        else:
            advice = "keep"
        out.append(MergerAdvice(number, advice, n_off, n_ans, rate, uncovered, unobserved, reasons))
    return out
