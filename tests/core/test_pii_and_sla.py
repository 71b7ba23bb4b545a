"""Personal data protection and working-day deadlines."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from liandong.security import pii
from liandong.workorder import sla
from liandong.workorder.enums import RequestType, Urgency


def test_encrypt_round_trip_and_nonce() -> None:
    a = pii.encrypt("13800138000")
    assert a != pii.encrypt("13800138000")
    assert pii.decrypt(a) == "13800138000" and "13800138000" not in a


def test_match_hash_normalises() -> None:
    assert pii.match_hash("+86 138-0013-8000") == pii.match_hash("13800138000")
    assert pii.match_hash("13800138001") != pii.match_hash("13800138000")


def test_masks() -> None:
    assert pii.mask_phone("13800138000") == "138****8000"
    assert pii.mask_name("欧阳娜娜") == "欧***"
    assert pii.mask_id_number("430104199001011234") == "430104********1234"
    masked = pii.mask_text("我电话13800138000, 身份证430104199001011234, 座机0731-88888888")
    assert masked is not None
    assert "13800138000" not in masked and "430104199001011234" not in masked and "88888888" not in masked


@given(st.text(max_size=200))
def test_mask_text_never_raises_and_keeps_length_bounded(text: str) -> None:
    out = pii.mask_text(text)
    assert out is not None or text == ""


def test_urgent_deadlines_in_hours() -> None:
    start = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    assert sla.due_at(start=start, urgency=Urgency.URGENT, request_type=RequestType.HELP) == datetime(
        2026, 11, 27, 11, 0, tzinfo=UTC
    )


def test_working_days_skip_weekend_and_holidays() -> None:
    # Friday 2026-11-27 + 5 working days -> Friday 2026-12-04 (weekend skipped).
    friday = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    due = sla.due_at(start=friday, urgency=Urgency.NORMAL, request_type=RequestType.CONSULTATION)
    assert due.date().isoformat() == "2026-12-04"
    # National Day week 2025-10-01..08 is a holiday: 5 working days from 2025-09-30 end on 2025-10-14.
    before_holiday = datetime(2025, 9, 30, 2, 0, tzinfo=UTC)
    due = sla.add_working_days(before_holiday, 5)
    assert due.date().isoformat() == "2025-10-14"
