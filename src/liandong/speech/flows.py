"""Call use cases: each runs its services and commits once."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from liandong.config import Settings
from liandong.core.timeutil import utcnow
from liandong.intake.models import ServiceRequest
from liandong.outbox import service as outbox
from liandong.speech import recordings, service
from liandong.speech.audio import probe_wav
from liandong.speech.models import CallRecord, Transcription
from liandong.speech.schemas import CallEventIn, IngestResult
from liandong.speech.transcribe import Transcript

TRANSCRIBE_TOPIC = "speech.transcribe"


def ingest(*, session: Session, events: Sequence[CallEventIn], actor: str) -> IngestResult:
    """Store a batch of CTI events in one transaction: all of it or, on any refusal, none."""
    accepted = duplicates = 0
    calls: list[int] = []
    for data in events:
        result = service.ingest_event(session=session, data=data, actor=actor)
        accepted += result.new
        duplicates += not result.new
        if result.record.id not in calls:
            calls.append(result.record.id)
    session.commit()
    return IngestResult(accepted=accepted, duplicates=duplicates, calls=calls)


def link_request(*, session: Session, record_id: int, request_id: int, actor: str) -> CallRecord:
    record = service.require(session=session, record_id=record_id)
    service.link_request(session=session, record=record, request_id=request_id, actor=actor)
    session.commit()
    return record


def attach_recording(
    *, session: Session, settings: Settings, record_id: int, data: bytes, actor: str
) -> tuple[Transcription, bool]:
    """Check, store and queue a recording; returns (row, created). A refused file leaves nothing behind."""
    record = service.require(session=session, record_id=record_id)
    info = probe_wav(data, max_bytes=settings.max_recording_bytes)  # AudioError: refused before storing
    sha256, path, created_file = recordings.store_file(settings, data)
    try:
        existing = recordings.find_recording(session=session, record=record, sha256=sha256)
        if existing is not None:
            return existing, False
        row = recordings.add_recording(
            session=session, record=record, sha256=sha256, size=len(data), info=info, actor=actor
        )
        outbox.enqueue(
            session=session,
            topic=TRANSCRIBE_TOPIC,
            payload={"transcription_id": row.id},
            dedupe_key=f"{TRANSCRIBE_TOPIC}:{row.id}",
        )
        session.commit()
    except BaseException:
        session.rollback()
        if created_file:  # a file no committed row points at would never be cleaned up
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        raise
    return row, True


def apply_triage(
    *, session: Session, record: CallRecord, decision: dict[str, Any] | None, actor: str
) -> None:
    """Keep the caller-side triage on the call and, if it has none yet, on the linked request."""
    if decision is None:
        return
    record.triage = {**decision, "at": utcnow().isoformat()}
    session.flush()
    if record.request_id is not None:
        req = session.get(ServiceRequest, record.request_id)
        if req is not None:
            service.store_request_triage(session=session, req=req, decision=decision, actor=actor)


def save_live_transcript(
    *,
    session: Session,
    record_id: int,
    transcript: Transcript,
    decision: dict[str, Any] | None,
    sample_rate: int,
    channels: int,
    actor: str,
) -> Transcription:
    """Keep a finished live session's transcript and triage on the call record."""
    record = service.require(session=session, record_id=record_id)
    row = recordings.add_live(
        session=session, record=record, transcript=transcript, sample_rate=sample_rate, channels=channels,
        actor=actor,
    )  # fmt: skip
    apply_triage(session=session, record=record, decision=decision, actor=actor)
    session.commit()
    return row
