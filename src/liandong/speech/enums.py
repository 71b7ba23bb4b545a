"""Enumerations of the speech engine."""

from __future__ import annotations

from enum import StrEnum


class Speaker(StrEnum):
    """Who speaks on a channel of a call recording: left is the caller, right the seat."""

    CALLER = "caller"
    SEAT = "seat"


class AudioErrorReason(StrEnum):
    """Why a recording was refused; stored on the call record's error state."""

    EMPTY = "empty"
    TOO_LARGE = "too_large"
    TOO_LONG = "too_long"
    NOT_WAV = "not_wav"
    UNSUPPORTED_FORMAT = "unsupported_format"
    TRUNCATED = "truncated"


class TranscriptionStatus(StrEnum):
    """Lifecycle of a recording's transcription in the durable worker."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
