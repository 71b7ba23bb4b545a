"""Security background jobs: sealing the audit chain."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from liandong.outbox.worker import handler
from liandong.security import audit


@handler("audit.seal")
def seal(session: Session, payload: dict[str, Any]) -> None:
    """Chain the audit rows committed since the last run (the worker commits the job with it)."""
    audit.seal(session=session)
