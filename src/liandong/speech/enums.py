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


class CallEventType(StrEnum):
    """A telephony (CTI) event as a PBX reports it; see docs/cti.md."""

    RINGING = "ringing"
    ANSWERED = "answered"
    TRANSFERRED = "transferred"
    CONFERENCED = "conferenced"
    ENDED = "ended"


class CallState(StrEnum):
    """A call record's state, derived by replaying its events in time order."""

    NEW = "new"  # only events the transition table could not place yet (e.g. a lone 'transferred')
    RINGING = "ringing"
    ANSWERED = "answered"
    ENDED = "ended"


class CallDirection(StrEnum):
    INBOUND = "inbound"  # a citizen calls the hotline
    OUTBOUND = "outbound"  # a seat calls back (回访, 回拨)


class TranscriptionKind(StrEnum):
    RECORDING = "recording"  # an uploaded WAV, transcribed by the worker
    LIVE = "live"  # the final transcript of a live session
