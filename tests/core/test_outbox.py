"""The durable outbox: queued with the commit, run once, retried with backoff, operator retry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from liandong.core.errors import Conflict
from liandong.core.timeutil import utcnow
from liandong.outbox import service, worker
from liandong.outbox.models import OutboxJob


def test_job_is_queued_only_with_the_commit(session: Session) -> None:
    service.enqueue(session=session, topic="t", payload={"n": 1})
    session.rollback()
    assert session.scalars(select(OutboxJob)).all() == []
    service.enqueue(session=session, topic="t", payload={"n": 2})
    session.commit()
    assert [j.payload for j in session.scalars(select(OutboxJob))] == [{"n": 2}]


def test_dedupe_key_queues_once(session: Session) -> None:
    assert service.enqueue(session=session, topic="t", payload={}, dedupe_key="sla:1:due") is not None
    assert service.enqueue(session=session, topic="t", payload={}, dedupe_key="sla:1:due") is None
    session.commit()
    assert len(session.scalars(select(OutboxJob)).all()) == 1


def test_worker_runs_each_job_once(session_factory: sessionmaker[Session]) -> None:
    seen: list[Any] = []
    with session_factory() as s:
        for n in range(3):
            service.enqueue(session=s, topic="echo", payload={"n": n})
        s.commit()
    ran = worker.drain(session_factory, handlers={"echo": lambda _s, p: seen.append(p["n"])})
    assert ran == 3 and seen == [0, 1, 2]
    assert worker.drain(session_factory, handlers={"echo": lambda _s, p: seen.append(p)}) == 0
    with session_factory() as s:
        assert {j.status for j in s.scalars(select(OutboxJob))} == {"done"}


def test_failures_back_off_then_fail_and_operator_retries(session_factory: sessionmaker[Session]) -> None:
    def boom(_s: Session, _p: dict[str, Any]) -> None:
        raise RuntimeError("peer unreachable")

    with session_factory() as s:
        job = service.enqueue(session=s, topic="boom", payload={}, max_attempts=2)
        assert job is not None
        job_id = job.id
        s.commit()
    assert worker.run_once(session_factory, handlers={"boom": boom})
    with session_factory() as s:
        job = s.get(OutboxJob, job_id)
        assert job is not None
        assert job.status == "pending" and job.attempts == 1 and "peer unreachable" in (job.last_error or "")
        assert job.available_at > utcnow()
        job.available_at = utcnow() - timedelta(seconds=1)
        s.commit()
    assert worker.run_once(session_factory, handlers={"boom": boom})
    with session_factory() as s:
        job = s.get(OutboxJob, job_id)
        assert job is not None and job.status == "failed"
        retried = service.retry(session=s, job_id=job_id)
        assert retried.status == "pending" and retried.attempts == 0
        with pytest.raises(Conflict):
            service.retry(session=s, job_id=job_id)  # only failed jobs can be retried
        s.commit()
    assert worker.run_once(session_factory, handlers={"boom": lambda _s, _p: None})
    with session_factory() as s:
        job = s.get(OutboxJob, job_id)
        assert job is not None and job.status == "done"


def test_expired_lease_is_claimed_again(session: Session) -> None:
    service.enqueue(session=session, topic="t", payload={})
    session.commit()
    first = service.claim(session=session)
    assert first is not None
    session.commit()
    assert service.claim(session=session) is None  # leased
    later = utcnow() + timedelta(minutes=10)
    again = service.claim(session=session, now=later)
    assert again is not None and again.id == first.id and again.attempts == 2


def test_purge_forgets_only_old_finished_periodic_jobs(session: Session) -> None:
    from liandong.worker_handlers import PERIODIC_RETENTION, purge

    now = utcnow()
    old = now - PERIODIC_RETENTION - timedelta(hours=1)

    def job(topic: str, key: str, status: str, completed_at: Any) -> OutboxJob:
        row = OutboxJob(topic=topic, payload={}, dedupe_key=key, status=status, completed_at=completed_at)
        session.add(row)
        return row

    gone = job("audit.seal", "audit.seal:1", "done", old)
    kept = [
        job("audit.seal", "audit.seal:2", "done", now),  # recent
        job("audit.seal", "audit.seal:3", "failed", old),  # failed: an operator may still retry it
        job("exchange.deliver", "msg:1", "done", old),  # not periodic: its key must stay
    ]
    session.flush()
    gone_id, kept_ids = gone.id, [k.id for k in kept]
    purge(session, {"slot": 1})
    session.commit()
    remaining = set(session.scalars(select(OutboxJob.id)))
    assert gone_id not in remaining and set(kept_ids) <= remaining


def test_lease_takes_what_claim_would_in_one_statement(session: Session) -> None:
    """The worker loop's one-statement lease: oldest due job of the topics, leased once, re-taken when it expires."""
    service.enqueue(session=session, topic="later", payload={}, available_at=utcnow() + timedelta(minutes=1))
    first = service.enqueue(session=session, topic="t", payload={"n": 1})
    service.enqueue(session=session, topic="t", payload={"n": 2})
    service.enqueue(session=session, topic="other", payload={"n": 3})
    session.commit()
    assert first is not None
    leased = service.lease(session=session, topics=["t", "later"])
    assert leased == (first.id, "t", {"n": 1})
    assert service.lease(session=session, topics=["t"]) is not None
    assert service.lease(session=session, topics=["t", "later"]) is None  # both leased; "later" is not due
    session.commit()
    job = session.get(OutboxJob, first.id, populate_existing=True)
    assert job is not None and job.status == "running" and job.attempts == 1
    again = service.lease(session=session, topics=["t"], now=utcnow() + timedelta(minutes=10))
    assert again is not None and again[0] == first.id
    service.finish(session=session, job_id=first.id)
    session.commit()
    job = session.get(OutboxJob, first.id, populate_existing=True)
    assert job is not None and job.status == "done" and job.attempts == 2 and job.locked_until is None
