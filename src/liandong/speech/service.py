"""Call records: ingest CTI events, derive the state by replay, list, link, answer statistics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from liandong.core.enums import ReceivingPlatform
from liandong.core.errors import NotFound
from liandong.core.timeutil import as_utc
from liandong.events import service as events
from liandong.intake.models import ServiceRequest
from liandong.security import pii
from liandong.speech.enums import CallDirection, CallEventType, CallState
from liandong.speech.lifecycle import CALL_LIFECYCLE, EVENT_RANK
from liandong.speech.models import CallEvent, CallRecord
from liandong.speech.schemas import AnswerStats, CallEventIn

ENTITY = "call"
TRACKED = (
    "state", "seat", "queue", "started_at", "ringing_at", "answered_at", "ended_at", "wait_seconds",
    "talk_seconds", "transfers", "conferences", "request_id",
)  # fmt: skip


@dataclass
class Ingested:
    record: CallRecord
    new: bool  # False: the same (source, call_id, event, timestamp) was already stored


def find(*, session: Session, source: str, call_id: str) -> CallRecord | None:
    return session.scalar(
        select(CallRecord).where(CallRecord.source == source, CallRecord.call_id == call_id)
    )


def require(*, session: Session, record_id: int) -> CallRecord:
    record = session.get(CallRecord, record_id)
    if record is None:
        raise NotFound(ENTITY, record_id)
    return record


def _platform(data: CallEventIn) -> str:
    if data.platform is not None:
        return data.platform.value
    if data.dialled == ReceivingPlatform.POLICE_110.value:
        return ReceivingPlatform.POLICE_110.value
    return ReceivingPlatform.HOTLINE_12345.value


def _fill_identity(record: CallRecord, data: CallEventIn) -> None:
    """Caller number, dialled number and direction: the first event that carries them wins."""
    if data.number and record.caller_phone_hash is None:
        record.caller_phone_enc = pii.encrypt(pii.normalise_phone(data.number))
        record.caller_phone_hash = pii.match_hash(data.number)
        record.caller_phone_masked = pii.mask_phone(data.number)
    if data.dialled and record.hotline_number is None:
        record.hotline_number = data.dialled


def ingest_event(*, session: Session, data: CallEventIn, actor: str) -> Ingested:
    """Store one CTI event (idempotent) and re-derive its call record; flushes, never commits."""
    record = find(session=session, source=data.source, call_id=data.call_id)
    if record is None:
        record = CallRecord(
            source=data.source,
            call_id=data.call_id,
            platform=_platform(data),
            direction=(data.direction or CallDirection.INBOUND).value,
            state=CallState.NEW.value,
            transfers=[],
            conferences=[],
        )
        session.add(record)
        session.flush()
    else:
        duplicate = session.scalar(
            select(CallEvent.id).where(
                CallEvent.call_record_id == record.id,
                CallEvent.event == data.event.value,
                CallEvent.occurred_at == data.timestamp,
            )
        )
        if duplicate is not None:
            return Ingested(record=record, new=False)
    _fill_identity(record, data)
    before = events.snapshot(record, TRACKED)
    session.add(
        CallEvent(
            call_record_id=record.id,
            event=data.event.value,
            occurred_at=data.timestamp,
            seat=data.seat,
            queue=data.queue,
            target=data.target,
            received_by=actor,
        )
    )
    session.flush()
    session.refresh(record, ["events"])
    derive(record)
    session.flush()
    events.record(
        session=session,
        entity_type=ENTITY,
        entity_id=record.id,
        action=f"cti_{data.event.value}",
        actor=actor,
        before=before,
        after=events.snapshot(record, TRACKED),
        from_state=before["state"],
        to_state=record.state,
    )
    return Ingested(record=record, new=True)


def derive(record: CallRecord) -> None:
    """Replay the record's events in time order through the transition table.

    The result depends only on the set of events, never on their arrival order; an event the table
    cannot place (an 'answered' after 'ended') is kept with `applied=False`.
    """
    ordered = sorted(record.events, key=lambda e: (as_utc(e.occurred_at), EVENT_RANK[e.event], e.id))
    state = CALL_LIFECYCLE.initial
    times: dict[str, datetime] = {}
    seats: list[str] = []
    answer_seat = queue = None
    transfers: list[dict[str, Any]] = []
    conferences: list[dict[str, Any]] = []
    for ev in ordered:
        ev.applied = CALL_LIFECYCLE.can(state, ev.event)
        if not ev.applied:
            continue
        state = CALL_LIFECYCLE.next_state(state, ev.event)
        at = as_utc(ev.occurred_at)
        times.setdefault(ev.event, at)
        times.setdefault("start", at)
        if ev.seat:
            seats.append(ev.seat)
        queue = queue or ev.queue
        if ev.event == CallEventType.ANSWERED:
            answer_seat = ev.seat
        elif ev.event in (CallEventType.TRANSFERRED, CallEventType.CONFERENCED):
            entry = {"target": ev.target, "at": at.isoformat(), "seat": ev.seat}
            (transfers if ev.event == CallEventType.TRANSFERRED else conferences).append(entry)
    record.state = state
    record.started_at = times.get("start") or (as_utc(ordered[0].occurred_at) if ordered else None)
    record.ringing_at = times.get(CallEventType.RINGING)
    record.answered_at = times.get(CallEventType.ANSWERED)
    record.ended_at = times.get(CallEventType.ENDED)
    # The seat that answered is the one KPIs credit; without an answer, the first seat named.
    record.seat = answer_seat or (seats[0] if seats else None)
    record.queue = queue
    record.transfers = transfers
    record.conferences = conferences
    record.wait_seconds = _seconds(record.ringing_at, record.answered_at or record.ended_at)
    record.talk_seconds = _seconds(record.answered_at, record.ended_at)


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round(max((end - start).total_seconds(), 0.0), 3)


def link_request(*, session: Session, record: CallRecord, request_id: int, actor: str) -> CallRecord:
    """Attach the request the seat registered; the call's triage is copied to it if it has none."""
    req = session.get(ServiceRequest, request_id)
    if req is None:
        raise NotFound("request", request_id)
    before = events.snapshot(record, TRACKED)
    record.request_id = req.id
    session.flush()
    events.record(session=session, entity_type=ENTITY, entity_id=record.id, action="link_request",
                  actor=actor, before=before, after=events.snapshot(record, TRACKED))  # fmt: skip
    if record.triage is not None:
        store_request_triage(session=session, req=req, decision=record.triage, actor=actor)
    return record


def store_request_triage(
    *, session: Session, req: ServiceRequest, decision: dict[str, Any], actor: str
) -> None:
    """Give a request the triage of its call's transcript unless it already has a decision."""
    if req.triage is not None:
        return
    req.triage = {**decision, "source": "call_transcript"}
    session.flush()
    events.record(session=session, entity_type="request", entity_id=req.id, action="triage",
                  actor=actor, before={"triage": None}, after={"triage": req.triage})  # fmt: skip


def list_calls(
    *,
    session: Session,
    platform: str | None = None,
    number: str | None = None,
    seat: str | None = None,
    queue: str | None = None,
    state: str | None = None,
    started_from: datetime | None = None,
    started_to: datetime | None = None,
    request_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[CallRecord], int]:
    """Filtered, newest first; `number` matches the caller's number through its keyed hash."""
    stmt: Select[Any] = select(CallRecord)
    if platform:
        stmt = stmt.where(CallRecord.platform == platform)
    if number:
        stmt = stmt.where(CallRecord.caller_phone_hash == pii.match_hash(number))
    if seat:
        stmt = stmt.where(CallRecord.seat == seat)
    if queue:
        stmt = stmt.where(CallRecord.queue == queue)
    if state:
        stmt = stmt.where(CallRecord.state == state)
    if started_from:
        stmt = stmt.where(CallRecord.started_at >= started_from)
    if started_to:
        stmt = stmt.where(CallRecord.started_at < started_to)
    if request_id is not None:
        stmt = stmt.where(CallRecord.request_id == request_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    order = (CallRecord.started_at.desc(), CallRecord.id.desc())
    return list(session.scalars(stmt.order_by(*order).limit(limit).offset(offset))), total


def answered_within(record: CallRecord, seconds: float) -> bool:
    """Whether the call was answered within `seconds` of ringing (the service-level test)."""
    return record.answered_at is not None and (record.wait_seconds or 0.0) <= seconds


def answer_stats(
    *,
    session: Session,
    start: datetime,
    end: datetime,
    within_seconds: float = 15.0,
    platform: str | None = None,
    queue: str | None = None,
) -> AnswerStats:
    """Offered, answered, abandoned and service level of the inbound calls started in [start, end)."""
    cond = and_(
        CallRecord.direction == CallDirection.INBOUND.value,
        CallRecord.started_at >= start,
        CallRecord.started_at < end,
        CallRecord.state != CallState.NEW.value,
    )
    if platform:
        cond = and_(cond, CallRecord.platform == platform)
    if queue:
        cond = and_(cond, CallRecord.queue == queue)
    answered = CallRecord.answered_at.is_not(None)
    # No ringing event means no measured wait: such an answer counts as immediate, as answered_within says.
    within = and_(answered, or_(CallRecord.wait_seconds.is_(None), CallRecord.wait_seconds <= within_seconds))
    abandoned_cond = and_(CallRecord.state == CallState.ENDED.value, CallRecord.answered_at.is_(None))
    row = session.execute(
        select(
            func.count(),
            func.count(CallRecord.answered_at),
            func.sum(case((within, 1), else_=0)),
            func.sum(case((abandoned_cond, 1), else_=0)),
            func.avg(case((answered, CallRecord.wait_seconds), else_=None)),
            func.avg(CallRecord.talk_seconds),
        ).where(cond)
    ).one()
    offered, n_answered, n_within, abandoned, mean_wait, mean_talk = row
    return AnswerStats(
        offered=offered,
        answered=n_answered,
        abandoned=int(abandoned or 0),
        answered_within=int(n_within or 0),
        within_seconds=within_seconds,
        answer_rate=round(n_answered / offered, 4) if offered else None,
        service_level=round(int(n_within or 0) / offered, 4) if offered else None,
        mean_wait_seconds=None if mean_wait is None else round(float(mean_wait), 2),
        mean_talk_seconds=None if mean_talk is None else round(float(mean_talk), 2),
    )
