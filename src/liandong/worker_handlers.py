"""Registers every domain's outbox handlers and periodic jobs with the worker."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from liandong.core.timeutil import utcnow
from liandong.outbox import service as outbox
from liandong.outbox.worker import handler

# Periodic jobs: (topic, every N seconds). Queued with a dedupe key per time slot, so several workers queue each
# slot once and a restarted worker neither skips nor repeats a slot.
PERIODIC: list[tuple[str, int]] = [
    ("audit.seal", 5),
    ("supervision.sweep", 60),
    ("analytics.schedule", 3600),
    ("knowledge.embed", 30),
    ("outbox.purge", 3600),
    ("exchange.sweep", 5),  # delivers what no exchange relay took (the relay is the fast path)
]
# Finished periodic jobs are kept this long (for the operator's job list), then purged: ~20,000 a day otherwise.
PERIODIC_RETENTION = timedelta(days=2)


@handler("outbox.purge")
def purge(session: Session, payload: dict[str, Any]) -> None:
    """Forget finished periodic jobs past their retention (the worker commits with the job)."""
    outbox.purge_done(session=session, topics=[t for t, _ in PERIODIC], before=utcnow() - PERIODIC_RETENTION)


def register_all() -> None:
    """Import the modules whose @handler decorators register job topics."""
    from liandong.analytics import rollup as analytics_rollup  # noqa: F401
    from liandong.exchange import delivery as exchange_delivery  # noqa: F401
    from liandong.knowledge import jobs as knowledge_jobs  # noqa: F401
    from liandong.linkage import jobs as linkage_jobs  # noqa: F401
    from liandong.security import jobs as security_jobs  # noqa: F401
    from liandong.speech import jobs as speech_jobs  # noqa: F401
