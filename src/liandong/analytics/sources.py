"""Read the database into the analytics engines' inputs (dispute records, calls, arrival history).

Caller phone numbers never leave the database in clear: the engines group callers by digits, so each keyed
hash is turned into a stable pseudo-number (`hash_digits`) and mapped back to the hash afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, cast, func, or_, select
from sqlalchemy.orm import Session

from liandong.analytics.forecast import LOCAL_TZ
from liandong.analytics.harassment import CallRecord
from liandong.analytics.merger import HotlineCall
from liandong.analytics.models import HotlineCallStat
from liandong.analytics.risk import DisputeRecord
from liandong.analytics.rollup import day_bounds, local_day, sql_const
from liandong.incident.enums import INCIDENT_CATEGORIES
from liandong.incident.models import PoliceIncident
from liandong.intake.models import ServiceRequest
from liandong.workorder.models import WorkOrder

DISPUTE_WORDS = ("纠纷", "矛盾", "吵", "打架", "威胁", "殴打", "扬言", "报复")
DISPUTE_CATEGORY = "08"  # 纠纷
# 110 categories whose calls count as emergencies for harassment control: never restrict such a caller.
EMERGENCY_CATEGORIES = ("01", "04", "05", "06", "07")
MAX_RECORDS = 50_000


def hash_digits(phone_hash: str) -> str:
    """A stable 19-digit pseudo-number for a keyed phone hash (not a real number; no +86 prefix shape)."""
    return "9" + str(int(phone_hash[:15], 16)).zfill(18)


def caller_label(masked: str | None, phone_hash: str) -> str:
    """What a reviewer sees for a caller: the masked number plus a short hash to tell callers apart."""
    return f"{masked or '***'} ({phone_hash[:8]})"


def dispute_records(
    *, session: Session, now: datetime, window_days: int
) -> tuple[list[DisputeRecord], dict[str, str]]:
    """Dispute-like 12345 orders and 110 incidents in the window, and pseudo-number -> caller label."""
    since = now - timedelta(days=window_days)
    labels: dict[str, str] = {}
    out: list[DisputeRecord] = []

    def phones(phone_hash: str | None, masked: str | None) -> tuple[str, ...]:
        if not phone_hash:
            return ()
        digits = hash_digits(phone_hash)
        labels[digits] = caller_label(masked, phone_hash)
        return (digits,)

    wo_text = or_(
        *(WorkOrder.summary.contains(w) for w in DISPUTE_WORDS), WorkOrder.category.contains("纠纷")
    )
    orders = (
        select(
            WorkOrder.number, WorkOrder.accepted_at, WorkOrder.category, WorkOrder.summary,
            ServiceRequest.location_text, ServiceRequest.caller_phone_hash, ServiceRequest.caller_phone_masked,
        )
        .join(ServiceRequest, ServiceRequest.id == WorkOrder.request_id)
        .where(WorkOrder.accepted_at >= since, WorkOrder.accepted_at <= now, wo_text)
        .order_by(WorkOrder.accepted_at.desc())
        .limit(MAX_RECORDS)
    )  # fmt: skip
    for number, at, category, summary, address, ph, masked in session.execute(orders):
        out.append(
            DisputeRecord(
                number or "", "12345", at, address or "", phones(ph, masked), category or "", summary
            )
        )
    inc = PoliceIncident
    inc_text = or_(inc.category_code == DISPUTE_CATEGORY, *(inc.content.contains(w) for w in DISPUTE_WORDS))
    incidents = (
        select(inc.number, inc.reported_at, inc.category_code, inc.content, inc.address, inc.caller_phone_hash,
               inc.caller_phone_masked)
        .where(inc.reported_at >= since, inc.reported_at <= now, inc_text, inc.confidential.is_(False))
        .order_by(inc.reported_at.desc())
        .limit(MAX_RECORDS)
    )  # fmt: skip
    for number, at, code, content, address, ph, masked in session.execute(incidents):
        name = INCIDENT_CATEGORIES.get(code, code)
        out.append(DisputeRecord(number or "", "110", at, address or "", phones(ph, masked), name, content))
    return out, labels


def harassment_calls(
    *, session: Session, now: datetime, lookback_days: int
) -> tuple[list[CallRecord], dict[str, tuple[str, str | None]]]:
    """Phone requests and 110 calls of the lookback as harassment CallRecords, and pseudo-number -> (hash, masked)."""
    since = now - timedelta(days=lookback_days)
    callers: dict[str, tuple[str, str | None]] = {}
    calls: list[CallRecord] = []
    recorded = _pbx_calls(session, since, now, calls, callers)
    req = ServiceRequest
    req_stmt = (
        select(req.number, req.caller_phone_hash, req.caller_phone_masked, req.received_at, req.content)
        .where(req.received_at >= since, req.received_at <= now, req.channel == "phone")
        .where(req.caller_phone_hash.is_not(None))
        .limit(MAX_RECORDS * 4)
    )
    if recorded is not None:
        req_stmt = req_stmt.where(req.id.not_in(recorded))  # the call record already stands for it
    rows = session.execute(req_stmt)
    for number, ph, masked, at, content in rows:
        digits = hash_digits(str(ph))
        callers[digits] = (str(ph), masked)
        # A request was a conversation a seat wrote down: not silent, the text stands for the transcript.
        calls.append(CallRecord(number or "", digits, at, 60.0, True, True, content or ""))
    inc = PoliceIncident
    inc_rows = session.execute(
        select(inc.number, inc.caller_phone_hash, inc.caller_phone_masked, inc.reported_at, inc.category_code,
               inc.priority)
        .where(inc.reported_at >= since, inc.reported_at <= now, inc.caller_phone_hash.is_not(None))
        .where(inc.request_id.is_(None))  # incidents made from a request were counted with the request
        .limit(MAX_RECORDS * 4)
    )  # fmt: skip
    emergency_ids: set[str] = set()
    for number, ph, masked, at, code, priority in inc_rows:
        digits = hash_digits(str(ph))
        callers[digits] = (str(ph), masked)
        emergency = code in EMERGENCY_CATEGORIES or priority <= 2
        calls.append(CallRecord(number or "", digits, at, 60.0, True, True, "", emergency))
        if emergency:
            emergency_ids.add(number or "")
    # An incident raised from a phone request carries the emergency over to that caller.
    linked = session.execute(
        select(req.number, req.caller_phone_hash, req.received_at)
        .join(inc, inc.request_id == req.id)
        .where(inc.reported_at >= since, inc.reported_at <= now, req.caller_phone_hash.is_not(None))
        .where(or_(inc.category_code.in_(EMERGENCY_CATEGORIES), inc.priority <= 2))
    )
    for number, ph, at in linked:
        calls.append(CallRecord(f"{number}-110", hash_digits(str(ph)), at, 60.0, True, True, "", True))
    return calls, callers


def _pbx_calls(
    session: Session,
    since: datetime,
    now: datetime,
    calls: list[CallRecord],
    callers: dict[str, tuple[str, str | None]],
) -> Any:
    """Add the speech domain's call records (real durations and transcripts); None when it is not installed."""
    try:
        from liandong.speech.models import CallRecord as PbxCall
        from liandong.speech.models import Transcription
    except ImportError:
        return None
    text = (
        select(Transcription.text)
        .where(Transcription.call_record_id == PbxCall.id, Transcription.text.is_not(None))
        .order_by(Transcription.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    stmt = (
        select(PbxCall.id, PbxCall.caller_phone_hash, PbxCall.caller_phone_masked, PbxCall.started_at,
               PbxCall.answered_at, PbxCall.talk_seconds, PbxCall.triage, text)
        .where(PbxCall.started_at >= since, PbxCall.started_at <= now, PbxCall.direction == "inbound")
        .where(PbxCall.caller_phone_hash.is_not(None))
        .limit(MAX_RECORDS * 4)
    )  # fmt: skip
    for call_id, ph, masked, at, answered_at, talk, triage, transcript in session.execute(stmt):
        digits = hash_digits(str(ph))
        callers[digits] = (str(ph), masked)
        emergency = bool((triage or {}).get("emergency") is True)
        # No transcript yet means "not known", never "silent": nobody is accused on missing data.
        speech = None if transcript is not None else True
        calls.append(
            CallRecord(f"call:{call_id}", digits, at, float(talk or 0.0), answered_at is not None, speech,
                       transcript or "", emergency)
        )  # fmt: skip
    return select(PbxCall.request_id).where(PbxCall.request_id.is_not(None)).scalar_subquery()


def arrival_history(*, session: Session, platform: str, start: date, days: int) -> dict[datetime, int]:
    """Phone requests per local half hour over the `days` days before `start`, zeros filled in."""
    first = start - timedelta(days=days)
    lo, hi = day_bounds(first, start - timedelta(days=1))
    ts = ServiceRequest.received_at
    day = local_day(session, ts)
    if session.get_bind().dialect.name == "postgresql":
        local = func.timezone(sql_const("'Asia/Shanghai'"), ts)
        hour: Any = cast(func.extract("hour", local), Integer)
        minute: Any = cast(func.extract("minute", local), Integer)
    else:
        hour = cast(func.strftime(sql_const("'%H'"), ts, sql_const("'+8 hours'")), Integer)
        minute = cast(func.strftime(sql_const("'%M'"), ts, sql_const("'+8 hours'")), Integer)
    # Inline constants: PostgreSQL matches the GROUP BY expression to the SELECT one textually.
    slot = hour * sql_const("2") + minute // sql_const("30")
    stmt = (
        select(day, slot, func.count())
        .where(ts >= lo, ts < hi, ServiceRequest.channel == "phone", ServiceRequest.received_by == platform)
        .group_by(day, slot)
    )
    counts: dict[datetime, int] = {}
    for d, s, n in session.execute(stmt):
        d = d if isinstance(d, date) else date.fromisoformat(str(d))
        counts[_slot_start(d, int(s))] = int(n)
    if not counts:
        return {}
    # Whole days from the first day with calls: an empty half hour is a zero, not a gap.
    first_day = min(counts).date()
    out: dict[datetime, int] = {}
    d = first_day
    while d < start:
        for s in range(48):
            at = _slot_start(d, s)
            out[at] = counts.get(at, 0)
        d += timedelta(days=1)
    return out


def _slot_start(day: date, slot: int) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ) + timedelta(minutes=30 * slot)


def pbx_model() -> Any:
    """The speech domain's CallRecord model, or None where that optional domain is not installed."""
    try:
        from liandong.speech.models import CallRecord as PbxCall
    except ImportError:
        return None
    return PbxCall


def hotline_calls(*, session: Session, lo: datetime, hi: datetime) -> Iterator[HotlineCall]:
    """Calls per hotline number: PBX call records, else hourly statistics expanded (answered first per hour)."""
    recorded: set[str] = set()
    PbxCall = pbx_model()
    if PbxCall is not None:
        pbx = (
            select(PbxCall.hotline_number, PbxCall.started_at, PbxCall.answered_at)
            .where(PbxCall.started_at >= lo, PbxCall.started_at < hi, PbxCall.hotline_number.is_not(None))
            .where(PbxCall.direction == "inbound")
        )
        for number, at, answered_at in session.execute(pbx.execution_options(yield_per=10_000)):
            recorded.add(number)
            yield HotlineCall(number, at, answered_at is not None)
    c = HotlineCallStat
    stmt = select(c.number, c.hour_start, c.offered, c.answered).where(c.hour_start >= lo, c.hour_start < hi)
    for number, hour, offered, answered in session.execute(stmt.order_by(c.number, c.hour_start)):
        if number in recorded:
            continue  # one source per number: its own call records win over posted statistics
        for i in range(offered):
            yield HotlineCall(number, hour, i < answered)


def recent_emergencies(*, session: Session, phone_hash: str, now: datetime, days: int = 30) -> list[str]:
    """Numbers of emergency 110 incidents from this caller in the last `days` days."""
    inc = PoliceIncident
    since = now - timedelta(days=days)
    req_hash = (
        select(ServiceRequest.caller_phone_hash).where(ServiceRequest.id == inc.request_id).scalar_subquery()
    )
    stmt = (
        select(inc.number)
        .where(inc.reported_at >= since, inc.reported_at <= now)
        .where(or_(inc.category_code.in_(EMERGENCY_CATEGORIES), inc.priority <= 2))
        .where(or_(inc.caller_phone_hash == phone_hash, req_hash == phone_hash))
    )
    return [n or "" for n in session.scalars(stmt.limit(100))]
