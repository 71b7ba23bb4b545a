"""Deadlines (办理时限) by urgency and request type, in working days of the Chinese calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

from liandong.core.timeutil import as_utc
from liandong.workorder.enums import RequestType, Urgency

CHINA = ZoneInfo("Asia/Shanghai")

URGENCY_HOURS = {Urgency.URGENT: 2, Urgency.IMPORTANT: 24}
WORKING_DAYS = {
    RequestType.CONSULTATION: 5,
    RequestType.HELP: 5,
    RequestType.COMPLAINT: 15,
    RequestType.REPORT: 15,
    RequestType.SUGGESTION: 15,
}


def is_workday(day: date) -> bool:
    """Chinese working day (adjusted workdays count, public holidays don't); weekdays outside the table's range."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def add_working_days(start: datetime, days: int) -> datetime:
    """The same local clock time `days` working days after `start` (in China time)."""
    local = as_utc(start).astimezone(CHINA)
    current = local
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_workday(current.date()):
            remaining -= 1
    return current.astimezone(ZoneInfo("UTC"))


def remind_at(*, start: datetime, due: datetime, fraction: float) -> datetime:
    """When `fraction` of the time allowed is left."""
    start, due = as_utc(start), as_utc(due)
    return due - (due - start) * fraction


def due_at(*, start: datetime, urgency: Urgency, request_type: RequestType) -> datetime:
    if urgency in URGENCY_HOURS:
        return as_utc(start) + timedelta(hours=URGENCY_HOURS[urgency])
    return add_working_days(start, WORKING_DAYS[request_type])
