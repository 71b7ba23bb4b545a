"""Queue, claim, complete and retry outbox jobs."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from liandong.core.errors import Conflict, NotFound
from liandong.core.timeutil import utcnow
from liandong.outbox.enums import JobStatus
from liandong.outbox.models import OutboxJob

LEASE = timedelta(minutes=5)
_JOBS = cast(Table, OutboxJob.__table__)


def enqueue(
    *,
    session: Session,
    topic: str,
    payload: dict[str, Any],
    dedupe_key: str | None = None,
    available_at: datetime | None = None,
    max_attempts: int = 8,
) -> OutboxJob | None:
    """Queue a job in the caller's transaction; returns None if the dedupe key was already queued."""
    if dedupe_key is not None:
        existing = session.scalar(select(OutboxJob.id).where(OutboxJob.dedupe_key == dedupe_key))
        if existing is not None:
            return None
    job = OutboxJob(
        topic=topic,
        payload=payload,
        dedupe_key=dedupe_key,
        available_at=available_at or utcnow(),
        max_attempts=max_attempts,
    )
    if dedupe_key is None:
        session.add(job)
        session.flush()
        return job
    # Another transaction may queue the same key at the same moment: the unique constraint decides, in a savepoint
    # so the caller's transaction survives losing the race.
    try:
        with session.begin_nested():
            session.add(job)
    except IntegrityError:
        return None
    return job


def claim(
    *, session: Session, topics: list[str] | None = None, now: datetime | None = None
) -> OutboxJob | None:
    """Lease the oldest due job; a crashed worker's lease expires and the job runs again."""
    now = now or utcnow()
    stmt = (
        select(OutboxJob.id)
        .where(
            ((OutboxJob.status == JobStatus.PENDING.value) & (OutboxJob.available_at <= now))
            | ((OutboxJob.status == JobStatus.RUNNING.value) & (OutboxJob.locked_until < now))
        )
        .order_by(OutboxJob.available_at, OutboxJob.id)
        .limit(1)
    )
    if topics:
        stmt = stmt.where(OutboxJob.topic.in_(topics))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    job_id = session.scalar(stmt)
    if job_id is None:
        return None
    # Compare-and-set so two workers on SQLite (no SKIP LOCKED) never both take the job.
    result = session.execute(
        update(OutboxJob)
        .where(
            OutboxJob.id == job_id,
            (OutboxJob.status == JobStatus.PENDING.value)
            | ((OutboxJob.status == JobStatus.RUNNING.value) & (OutboxJob.locked_until < now)),
        )
        .values(status=JobStatus.RUNNING.value, locked_until=now + LEASE, attempts=OutboxJob.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    job = session.get(OutboxJob, job_id, populate_existing=True)
    return job


def lease(
    *, session: Session, topics: list[str] | None = None, now: datetime | None = None
) -> tuple[int, str, dict[str, Any]] | None:
    """`claim` in one statement, for the worker loop: (id, topic, payload) of the oldest due job, now running.

    The same due condition, order, lease and attempt count as `claim`, without loading the row as an object
    (a round trip and an ORM load per job add up when every transfer queues one). The caller commits.
    """
    now = now or utcnow()
    table = _JOBS
    due = ((table.c.status == JobStatus.PENDING.value) & (table.c.available_at <= now)) | (
        (table.c.status == JobStatus.RUNNING.value) & (table.c.locked_until < now)
    )
    pick = select(table.c.id).where(due).order_by(table.c.available_at, table.c.id).limit(1)
    if topics:
        pick = pick.where(table.c.topic.in_(topics))
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    picked = pick.cte("picked").prefix_with("MATERIALIZED", dialect="postgresql")  # evaluated once
    row = session.execute(
        update(table)
        .where(table.c.id.in_(select(picked.c.id)), due)  # compare-and-set: SQLite has no SKIP LOCKED
        .values(status=JobStatus.RUNNING.value, locked_until=now + LEASE, attempts=table.c.attempts + 1)
        .returning(table.c.id, table.c.topic, table.c.payload)
    ).first()
    return None if row is None else (int(row[0]), str(row[1]), dict(row[2] or {}))


def finish(*, session: Session, job_id: int) -> None:
    """`complete` by id, in the handler's transaction, without loading the job."""
    table = _JOBS
    session.execute(
        update(table)
        .where(table.c.id == job_id)
        .values(status=JobStatus.DONE.value, completed_at=utcnow(), locked_until=None, last_error=None)
    )


def complete(*, session: Session, job: OutboxJob) -> None:
    job.status = JobStatus.DONE.value
    job.completed_at = utcnow()
    job.locked_until = None
    job.last_error = None
    session.flush()


def fail(*, session: Session, job: OutboxJob, error: str, now: datetime | None = None) -> None:
    """Back off exponentially; give up (FAILED) after max_attempts."""
    now = now or utcnow()
    job.last_error = error[:4000]
    job.locked_until = None
    if job.attempts >= job.max_attempts:
        job.status = JobStatus.FAILED.value
    else:
        job.status = JobStatus.PENDING.value
        job.available_at = now + timedelta(seconds=min(2**job.attempts, 600))
    session.flush()


def retry(*, session: Session, job_id: int) -> OutboxJob:
    """An operator re-queues a failed job."""
    job = session.get(OutboxJob, job_id)
    if job is None:
        raise NotFound("outbox job", job_id)
    if job.status != JobStatus.FAILED.value:
        raise Conflict(f"job {job_id} is {job.status}, only failed jobs can be retried")
    job.status = JobStatus.PENDING.value
    job.attempts = 0
    job.available_at = utcnow()
    session.flush()
    return job


def list_jobs(*, session: Session, status: str | None = None, limit: int = 100) -> list[OutboxJob]:
    stmt = select(OutboxJob).order_by(OutboxJob.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(OutboxJob.status == status)
    return list(session.scalars(stmt))


def purge_done(*, session: Session, topics: list[str], before: datetime) -> int:
    """Delete finished jobs of `topics` completed before `before`; returns how many.

    Only for periodic topics: their dedupe keys name a past time slot that is never queued again, so forgetting them
    cannot make a job run twice (a message's or a deadline's key must stay).
    """
    result = session.execute(
        delete(OutboxJob).where(
            OutboxJob.topic.in_(topics),
            OutboxJob.status == JobStatus.DONE.value,
            OutboxJob.completed_at < before,
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
