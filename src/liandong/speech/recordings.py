"""Recordings on disk (by sha256, outside any web root) and the transcription rows that describe them."""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liandong.config import Settings
from liandong.core.timeutil import utcnow
from liandong.events import service as events
from liandong.speech.audio import WavInfo
from liandong.speech.enums import TranscriptionKind, TranscriptionStatus
from liandong.speech.models import CallRecord, Transcription
from liandong.speech.transcribe import Transcript

ENTITY = "call"


def recordings_dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / "recordings"


def storage_key(sha256: str) -> str:
    """Two-level fan-out keeps directories small; the key is relative so the data directory can move."""
    return f"{sha256[:2]}/{sha256}.wav"


def path_of(settings: Settings, row: Transcription) -> Path | None:
    return None if row.storage_key is None else recordings_dir(settings) / row.storage_key


def store_file(settings: Settings, data: bytes) -> tuple[str, Path, bool]:
    """Write `data` under its sha256 atomically; returns (sha256, path, whether this call created it)."""
    digest = hashlib.sha256(data).hexdigest()
    path = recordings_dir(settings) / storage_key(digest)
    if path.is_file() and path.stat().st_size == len(data):
        return digest, path, False
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with staging.open("wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(staging, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            staging.unlink()
    return digest, path, True


def find_recording(*, session: Session, record: CallRecord, sha256: str) -> Transcription | None:
    return session.scalar(
        select(Transcription).where(Transcription.call_record_id == record.id, Transcription.sha256 == sha256)
    )


def add_recording(
    *, session: Session, record: CallRecord, sha256: str, size: int, info: WavInfo, actor: str
) -> Transcription:
    """A pending transcription of a stored recording, with its event on the call."""
    row = Transcription(
        call_record_id=record.id,
        kind=TranscriptionKind.RECORDING.value,
        status=TranscriptionStatus.PENDING.value,
        sha256=sha256,
        size=size,
        storage_key=storage_key(sha256),
        sample_rate=info.rate,
        channels=info.channels,
        duration=round(info.duration, 3),
        segments=[],
        created_by=actor,
    )
    session.add(row)
    session.flush()
    _event(session, record.id, "recording_attached", actor, {"transcription_id": row.id, "sha256": sha256})
    return row


def add_live(
    *,
    session: Session,
    record: CallRecord,
    transcript: Transcript,
    sample_rate: int,
    channels: int,
    actor: str,
) -> Transcription:
    """The final transcript of a live session (no file: the audio was streamed, not stored)."""
    row = Transcription(
        call_record_id=record.id,
        kind=TranscriptionKind.LIVE.value,
        status=TranscriptionStatus.PENDING.value,
        sample_rate=sample_rate,
        channels=channels,
        segments=[],
        created_by=actor,
    )
    session.add(row)
    session.flush()
    complete(session=session, row=row, transcript=transcript, actor=actor)
    return row


def complete(*, session: Session, row: Transcription, transcript: Transcript, actor: str) -> None:
    data: dict[str, Any] = transcript.to_dict()
    row.status = TranscriptionStatus.DONE.value
    row.text = data["text"]
    row.segments = data["segments"]
    row.model = transcript.model
    row.language = transcript.language
    row.duration = round(transcript.duration, 3)
    row.error_reason = row.error_message = None
    row.completed_at = utcnow()
    session.flush()
    _event(
        session, row.call_record_id, "transcribed", actor, {"transcription_id": row.id, "status": row.status}
    )


def fail(*, session: Session, row: Transcription, reason: str, message: str, actor: str) -> None:
    """A clear error state on the transcription; the call record itself is untouched."""
    row.status = TranscriptionStatus.FAILED.value
    row.error_reason = reason[:32]
    row.error_message = message[:500]
    row.completed_at = utcnow()
    session.flush()
    _event(session, row.call_record_id, "transcription_failed", actor,
           {"transcription_id": row.id, "reason": row.error_reason})  # fmt: skip


def _event(session: Session, record_id: int, action: str, actor: str, after: dict[str, Any]) -> None:
    events.record(session=session, entity_type=ENTITY, entity_id=record_id, action=action, actor=actor,
                  before={}, after=after)  # fmt: skip
