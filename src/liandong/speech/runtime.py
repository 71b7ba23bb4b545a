"""Process-wide speech resources: one lazily loaded Transcriber, hot words, triage of the caller's words."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liandong.config import Settings
from liandong.reference import divisions
from liandong.reference.models import Organisation
from liandong.speech.enums import Speaker
from liandong.speech.model import PACKAGED_MODEL_NAME, SpeechModelError
from liandong.speech.transcribe import MAX_HOTWORDS, Segment, Transcriber, Transcript, join_texts

_lock = threading.Lock()
_transcriber: Transcriber | None = None
MAX_ORG_HOTWORDS = 20


def model_cache_dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / "models" / PACKAGED_MODEL_NAME


def get_transcriber(settings: Settings) -> Transcriber:
    """The process's Transcriber, loaded on first use (seconds); a failed load is retried next time."""
    global _transcriber
    with _lock:
        if _transcriber is None:
            try:
                _transcriber = Transcriber.load(
                    model_dir=settings.speech_model_dir, cache_dir=model_cache_dir(settings)
                )
            except ImportError as exc:  # faster-whisper is in the `ml` extra
                raise SpeechModelError(
                    f"speech engine not installed: {exc}: pip install 'liandong[ml]'"
                ) from exc
        return _transcriber


def use_transcriber(transcriber: Transcriber | None) -> Transcriber | None:
    """Install a Transcriber (tests, embedding); returns the one it replaces."""
    global _transcriber
    with _lock:
        previous, _transcriber = _transcriber, transcriber
        return previous


def hotwords(*, session: Session, settings: Settings) -> list[str]:
    """The city's districts and the organisations' names: what callers name and whisper mishears."""
    words = [d.name for d in divisions.children(settings.city_adcode)]
    city = divisions.get(settings.city_adcode)
    if city is not None:
        words.insert(0, city.name)
    # Short names first: a long official name crowds the prompt and is rarely said in full.
    names = session.scalars(
        select(Organisation.name).where(Organisation.active.is_(True)).order_by(Organisation.id).limit(200)
    )
    words.extend(sorted(set(names), key=len)[:MAX_ORG_HOTWORDS])
    return words[:MAX_HOTWORDS]


def caller_text(segments: tuple[Segment, ...] | list[Segment]) -> str:
    """The caller's words: the left channel of a stereo call, everything of a mono one."""
    return join_texts(s.text for s in segments if s.speaker in (Speaker.CALLER, None))


def _load_triage() -> Callable[[str], Any] | None:
    try:
        from liandong.triage import triage
    except ImportError:  # triage is optional for the speech domain: transcripts are kept without it
        return None
    return triage


def triage_text(text: str) -> dict[str, Any] | None:
    """The triage decision for the caller's words as plain JSON, or None without text or engine."""
    triage = _load_triage()
    if triage is None or not text.strip():
        return None
    decision = triage(text)
    return dict(decision.model_dump(mode="json"))


def triage_transcript(transcript: Transcript) -> dict[str, Any] | None:
    return triage_text(caller_text(transcript.segments))
