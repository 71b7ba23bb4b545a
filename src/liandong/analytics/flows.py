"""Analytics use cases that write: rollup rebuilds, call statistics, harassment scan and review."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select, tuple_
from sqlalchemy.orm import Session

from liandong.analytics import harassment, rollup, sources
from liandong.analytics.forecast import LOCAL_TZ, local_time
from liandong.analytics.models import HarassmentFlag, HotlineCallStat
from liandong.analytics.schemas import CallStatCreate, HarassmentReview, HarassmentScan
from liandong.core.errors import NotFound
from liandong.core.lifecycle import Lifecycle, table
from liandong.core.timeutil import as_utc, utcnow
from liandong.events import service as events

FLAG_ENTITY = "harassment_flag"
FLAG_LIFECYCLE = Lifecycle(
    entity=FLAG_ENTITY,
    initial="pending",
    terminal=frozenset({"rejected", "revoked"}),
    transitions=table(
        [
            (["pending"], "confirm", "confirmed"),  # a person confirms: the seat sees a notice
            (["pending"], "reject", "rejected"),
            (["confirmed"], "revoke", "revoked"),
        ]
    ),
)
FLAG_TRACKED = ("status", "reviewer", "note", "reviewed_at", "expires_at", "restriction_allowed")


def rebuild_rollups(*, session: Session, start: date, end: date, chunk_days: int = 31) -> int:
    """Rebuild kpi_daily for start..end, committing each chunk of days (a chunk is all or nothing)."""
    rollup.check_range(start, end, max_days=3660)
    written = 0
    cursor = start
    while cursor <= end:
        last = min(end, cursor + timedelta(days=chunk_days - 1))
        written += rollup.rebuild(session=session, start=cursor, end=last)
        session.commit()
        cursor = last + timedelta(days=1)
    return written


def queue_rollups(*, session: Session, start: date, end: date, generation: str | None = None) -> int:
    """Queue one outbox job per day (deduplicated per day and generation); returns how many were new."""
    rollup.check_range(start, end)
    queued = 0
    day = start
    while day <= end:
        queued += rollup.enqueue_day(session=session, day=day, generation=generation)
        day += timedelta(days=1)
    session.commit()
    return queued


def ingest_call_stats(*, session: Session, rows: Sequence[CallStatCreate]) -> int:
    """Store hourly call statistics (a re-post of the same number and hour replaces it) and queue rollups."""
    keys = [(r.number, as_utc(r.hour_start)) for r in rows]
    session.execute(
        delete(HotlineCallStat).where(tuple_(HotlineCallStat.number, HotlineCallStat.hour_start).in_(keys))
    )
    for r in rows:
        session.add(
            HotlineCallStat(
                number=r.number, platform=r.platform, hour_start=r.hour_start, offered=r.offered,
                answered=r.answered, answered_15s=r.answered_15s, source=r.source,
            )
        )  # fmt: skip
    session.flush()
    days = {local_time(r.hour_start).date() for r in rows if r.platform in rollup.PLATFORMS}
    for day in sorted(days):
        rollup.enqueue_day(session=session, day=day, generation=utcnow().isoformat(timespec="minutes"))
    session.commit()
    return len(rows)


def _flag_snapshot(flag: HarassmentFlag) -> dict[str, object]:
    return events.snapshot(flag, FLAG_TRACKED)


def scan_harassment(
    *, session: Session, params: HarassmentScan, actor: str, now: datetime | None = None
) -> list[HarassmentFlag]:
    """Find candidates and queue each for review (one open review per caller); nothing is ever blocked."""
    now = now or utcnow()
    lookback = max(params.emergency_lookback_days, params.window_hours // 24 + 1)
    calls, callers = sources.harassment_calls(session=session, now=now, lookback_days=lookback)
    found = harassment.find_candidates(
        calls=calls, now=now, window_hours=params.window_hours, frequent_calls=params.frequent_calls,
        silent_calls=params.silent_calls, abusive_calls=params.abusive_calls,
        emergency_lookback_days=params.emergency_lookback_days,
    )  # fmt: skip
    out = []
    for cand in found:
        phone_hash, masked = callers[cand.caller]
        open_flag = session.scalar(
            select(HarassmentFlag)
            .where(
                HarassmentFlag.caller_hash == phone_hash, HarassmentFlag.status.in_(("pending", "confirmed"))
            )
            .order_by(HarassmentFlag.id.desc())
            .limit(1)
        )
        if open_flag is not None and open_flag.status == "confirmed":
            continue  # already reviewed and in force
        evidence = {
            "total_calls": cand.total_calls, "silent_calls": cand.silent_calls,
            "abusive_calls": cand.abusive_calls, "abusive_words": cand.abusive_words,
            "example_call_ids": cand.example_call_ids,
            "recent_emergency_call_ids": cand.recent_emergency_call_ids,
        }  # fmt: skip
        flag = open_flag or HarassmentFlag(caller_hash=phone_hash, caller_masked=masked)
        flag.reasons = list(cand.reasons)
        flag.evidence = evidence
        flag.restriction_allowed = cand.restriction_allowed
        if open_flag is None:
            session.add(flag)
        session.flush()
        events.record(
            session=session, entity_type=FLAG_ENTITY, entity_id=flag.id,
            action="propose" if open_flag is None else "update_evidence", actor=actor,
            before={}, after={"reasons": flag.reasons, "evidence": evidence}, to_state=flag.status,
        )  # fmt: skip
        out.append(flag)
    session.commit()
    return out


def review_flag(
    *, session: Session, flag_id: int, body: HarassmentReview, actor: str, now: datetime | None = None
) -> HarassmentFlag:
    """A supervisor confirms, rejects or revokes a flag; recorded as an event. The engine keeps emergencies safe."""
    now = now or utcnow()
    flag = session.get(HarassmentFlag, flag_id)
    if flag is None:
        raise NotFound(FLAG_ENTITY, flag_id)
    target = FLAG_LIFECYCLE.next_state(flag.status, body.action)
    flag_state = flag.status
    before = _flag_snapshot(flag)
    if body.action == "revoke":
        flag.expires_at = now
    else:
        # Re-check emergencies at review time: a caller who needed help since the scan keeps full service.
        emergencies = sources.recent_emergencies(session=session, phone_hash=flag.caller_hash, now=now)
        candidate = harassment.HarassmentCandidate(
            caller=flag.caller_hash, reasons=list(flag.reasons), total_calls=int(flag.evidence.get("total_calls", 0)),
            silent_calls=int(flag.evidence.get("silent_calls", 0)), abusive_calls=int(flag.evidence.get("abusive_calls", 0)),
            abusive_words=list(flag.evidence.get("abusive_words", [])), example_call_ids=[],
            restriction_allowed=flag.restriction_allowed and not emergencies,
        )  # fmt: skip
        decision = harassment.review(
            candidate=candidate, reviewer=actor, confirm=body.action == "confirm", now=now,
            note=body.note, ttl_days=body.ttl_days,
        )  # fmt: skip
        flag.reviewer = decision.reviewer
        flag.note = decision.note or None
        flag.reviewed_at = decision.reviewed_at
        flag.expires_at = decision.expires_at if decision.confirmed else None
        flag.restriction_allowed = decision.restriction_allowed
    flag.status = target
    session.flush()
    events.record(
        session=session, entity_type=FLAG_ENTITY, entity_id=flag.id, action=body.action, actor=actor,
        before=before, after=_flag_snapshot(flag), from_state=flag_state, to_state=target, note=body.note or None,
    )  # fmt: skip
    session.commit()
    return flag


def seat_notice(
    *, session: Session, phone_hash: str, emergency: bool = False, now: datetime | None = None
) -> tuple[HarassmentFlag | None, str | None]:
    """The confirmed, unexpired flag of a caller and the notice the seat sees (None on an emergency call)."""
    now = now or utcnow()
    flag = session.scalar(
        select(HarassmentFlag)
        .where(HarassmentFlag.caller_hash == phone_hash, HarassmentFlag.status == "confirmed")
        .order_by(HarassmentFlag.reviewed_at.desc())
        .limit(1)
    )
    if flag is None or flag.reviewed_at is None or flag.expires_at is None:
        return None, None
    engine_flag = harassment.HarassmentFlag(
        caller=flag.caller_hash, confirmed=True, reviewer=flag.reviewer or "", note=flag.note or "",
        reviewed_at=flag.reviewed_at.astimezone(LOCAL_TZ), expires_at=flag.expires_at.astimezone(LOCAL_TZ),
        reasons=list(flag.reasons), restriction_allowed=flag.restriction_allowed,
    )  # fmt: skip
    notice = harassment.seat_notice(flag=engine_flag, now=now, emergency=emergency)
    return (flag if notice or emergency else None), notice
