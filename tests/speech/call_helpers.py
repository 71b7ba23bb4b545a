"""Helpers for the call-record tests: CTI events, row counts, recordings on disk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session
from tests.core.helpers import counts as core_counts

from liandong.speech.models import CallEvent, CallRecord, Transcription

T0 = datetime(2024, 5, 6, 9, 0, 0, tzinfo=UTC)


def ev(event: str, call_id: str = "c-1", at: float = 0.0, **fields: Any) -> dict[str, Any]:
    """A CTI event `at` seconds after T0, JSON-ready."""
    body: dict[str, Any] = {
        "event": event,
        "call_id": call_id,
        "source": fields.pop("source", "fs-1"),
        "timestamp": (T0 + timedelta(seconds=at)).isoformat(),
    }
    body.update(fields)
    return body


def counts(session: Session) -> dict[str, int]:
    """Core table counts plus the call tables."""
    from sqlalchemy import func, select

    out = core_counts(session)
    for model in (CallRecord, CallEvent, Transcription):
        out[model.__tablename__] = session.scalar(select(func.count()).select_from(model)) or 0
    return out


def stored_files(data_dir: Path) -> list[Path]:
    root = data_dir / "recordings"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
