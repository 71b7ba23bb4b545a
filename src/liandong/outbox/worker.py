"""The worker loop: claim a job, run its handler in its own transaction, record the outcome."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from liandong.outbox import service
from liandong.outbox.models import OutboxJob

log = logging.getLogger(__name__)

Handler = Callable[[Session, dict[str, Any]], None]
HANDLERS: dict[str, Handler] = {}


def handler(topic: str) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of `topic`; it must be idempotent."""

    def register(func: Handler) -> Handler:
        HANDLERS[topic] = func
        return func

    return register


def run_once(session_factory: sessionmaker[Session], *, handlers: dict[str, Handler] | None = None) -> bool:
    """Run one due job; returns False when none was due."""
    table = handlers if handlers is not None else HANDLERS
    with session_factory() as session:
        leased = service.lease(session=session, topics=list(table))
        session.commit()
    if leased is None:
        return False
    job_id, topic, payload = leased
    with session_factory() as session:
        try:
            table[topic](session, payload)
            service.finish(session=session, job_id=job_id)
            session.commit()
        except Exception as exc:  # noqa: BLE001 - the worker boundary: any handler failure is retried later
            session.rollback()
            log.warning("job %s (%s) failed: %s", job_id, topic, exc)
            failed = session.get(OutboxJob, job_id)
            assert failed is not None
            service.fail(session=session, job=failed, error=f"{type(exc).__name__}: {exc}")
            session.commit()
    return True


def drain(
    session_factory: sessionmaker[Session], *, handlers: dict[str, Handler] | None = None, limit: int = 10_000
) -> int:
    """Run due jobs until none is due (tests and the demo use this)."""
    count = 0
    while count < limit and run_once(session_factory, handlers=handlers):
        count += 1
    return count


def schedule_periodic(
    session_factory: sessionmaker[Session], periodic: list[tuple[str, int]], *, now: float | None = None
) -> int:
    """Queue each periodic topic once per slot (dedupe key topic:slot); returns how many were queued."""
    queued = 0
    now = time.time() if now is None else now
    with session_factory() as session:
        for topic, every in periodic:
            slot = int(now // every)
            if service.enqueue(
                session=session, topic=topic, payload={"slot": slot}, dedupe_key=f"{topic}:{slot}"
            ):
                queued += 1
        session.commit()
    return queued


def run_forever(
    session_factory: sessionmaker[Session],
    *,
    periodic: list[tuple[str, int]] | None = None,
    idle_sleep: float = 0.5,
) -> None:
    last_schedule = 0.0
    while True:
        if periodic and time.monotonic() - last_schedule > 5:
            schedule_periodic(session_factory, periodic)
            last_schedule = time.monotonic()
        if not run_once(session_factory):
            time.sleep(idle_sleep)
