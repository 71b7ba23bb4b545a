"""Outbox handler: transcribe a stored recording in the worker, never in a request thread."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from liandong.config import Settings, get_settings
from liandong.outbox.worker import handler
from liandong.speech import recordings, runtime
from liandong.speech.audio import AudioError, read_wav
from liandong.speech.enums import TranscriptionStatus
from liandong.speech.flows import TRANSCRIBE_TOPIC, apply_triage
from liandong.speech.model import SpeechModelError
from liandong.speech.models import CallRecord, Transcription
from liandong.speech.transcribe import Transcriber

ACTOR = "system:speech-worker"
MISSING_FILE = "missing_file"
MODEL_UNAVAILABLE = "model_unavailable"


@handler(TRANSCRIBE_TOPIC)
def transcribe_recording(session: Session, payload: dict[str, Any]) -> None:
    """The registered handler: settings and Transcriber of this worker process."""
    run(session=session, transcription_id=int(payload["transcription_id"]), settings=get_settings())


def run(
    *, session: Session, settings: Settings, transcription_id: int, transcriber: Transcriber | None = None
) -> Transcription | None:
    """Transcribe one recording; a finished row is left alone, so re-running the job does nothing new.

    A bad file or a missing model ends in status `failed` with the reason (the job itself succeeds: retrying
    cannot help); other errors propagate so the outbox retries them.
    """
    row = session.get(Transcription, transcription_id)
    if row is None or row.status in (TranscriptionStatus.DONE, TranscriptionStatus.FAILED):
        return row
    record = session.get(CallRecord, row.call_record_id)
    assert record is not None  # the foreign key cascades deletes
    path = recordings.path_of(settings, row)
    if path is None or not path.is_file():
        recordings.fail(session=session, row=row, reason=MISSING_FILE, actor=ACTOR,
                        message=f"the recording file {row.storage_key} is not in the data directory")  # fmt: skip
        return row
    try:
        audio = read_wav(path, max_bytes=max(settings.max_recording_bytes, row.size or 0))
        engine = transcriber or runtime.get_transcriber(settings)
        words = runtime.hotwords(session=session, settings=settings)
        transcript = engine.transcribe(audio, hotwords=words)
    except AudioError as exc:
        recordings.fail(session=session, row=row, reason=exc.reason.value, message=exc.message, actor=ACTOR)
        return row
    except SpeechModelError as exc:
        recordings.fail(session=session, row=row, reason=MODEL_UNAVAILABLE, message=exc.message, actor=ACTOR)
        return row
    # A long job can outlive its outbox lease and run twice: the later finisher keeps the first result.
    session.refresh(row)
    if row.status != TranscriptionStatus.PENDING:
        return row
    recordings.complete(session=session, row=row, transcript=transcript, actor=ACTOR)
    apply_triage(session=session, record=record, decision=runtime.triage_transcript(transcript), actor=ACTOR)
    return row
