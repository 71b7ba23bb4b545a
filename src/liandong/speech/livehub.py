"""In-process live transcription sessions and their subscribers (server-sent events to the seat).

One API process owns a call's live session: the PBX must send every chunk of a call, and the seat must
subscribe, to the same process (route by call id at the load balancer). Decoding runs in worker threads;
subscribers are asyncio queues fed thread-safely.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from liandong.core.errors import Conflict, NotFound
from liandong.speech.audio import AudioError, Reason
from liandong.speech.live import LiveSession
from liandong.speech.transcribe import Segment, Transcriber, Transcript

MAX_SESSIONS = 32  # each holds up to ~30 s of audio per channel and decodes on 2 shared cores
MAX_CHUNK_BYTES = 256 * 1024  # 8 s of 16 kHz stereo: the PBX sends every 20 ms to 1 s
MAX_CALL_SECONDS = 4 * 3600
IDLE_SECONDS = 15 * 60  # an abandoned session (PBX crashed) is dropped when a new one opens
MAX_MESSAGES = 5000

Triage = Callable[[tuple[Segment, ...]], dict[str, Any] | None]


@dataclass(frozen=True)
class Message:
    """One server-sent event: `id` lets a reconnecting seat resume with Last-Event-ID."""

    id: int
    event: str
    data: dict[str, Any]

    def encode(self) -> str:
        return f"id: {self.id}\nevent: {self.event}\ndata: {json.dumps(self.data, ensure_ascii=False)}\n\n"


@dataclass
class LiveCall:
    """A call's live session, its message log and its subscribers."""

    record_id: int
    session: LiveSession
    triage: Triage | None = None
    messages: list[Message] = field(default_factory=list)
    subscribers: list[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Message]]] = field(default_factory=list)
    decision: dict[str, Any] | None = None
    final: Transcript | None = None
    transcription_id: int | None = None
    touched: float = field(default_factory=time.monotonic)
    feed_lock: threading.RLock = field(default_factory=threading.RLock)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def finished(self) -> bool:
        return self.final is not None

    def publish(self, event: str, data: dict[str, Any]) -> None:
        with self._lock:
            message = Message(id=len(self.messages) + 1, event=event, data=data)
            if len(self.messages) < MAX_MESSAGES or event == "final":  # a late seat must still get the end
                self.messages.append(message)
            targets = list(self.subscribers)
        for loop, queue in targets:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, message)
            except RuntimeError:  # that subscriber's event loop is gone
                self.unsubscribe(queue)

    def subscribe(self, after: int = 0) -> tuple[asyncio.Queue[Message], list[Message]]:
        """A queue of new messages and the ones already sent after `after` (call from the event loop)."""
        queue: asyncio.Queue[Message] = asyncio.Queue()
        with self._lock:
            backlog = [m for m in self.messages if m.id > after]
            self.subscribers.append((asyncio.get_running_loop(), queue))
        return queue, backlog

    def unsubscribe(self, queue: asyncio.Queue[Message]) -> None:
        with self._lock:
            self.subscribers = [(lp, q) for lp, q in self.subscribers if q is not queue]

    def feed(self, chunk: bytes) -> list[Segment]:
        """Decode a chunk (blocking: run it in a thread); segments and triage are published."""
        if len(chunk) > MAX_CHUNK_BYTES:
            raise AudioError(Reason.TOO_LARGE, f"a live chunk is {len(chunk)} bytes, limit {MAX_CHUNK_BYTES}")
        with self.feed_lock:
            self.touched = time.monotonic()
            if self.session.duration > MAX_CALL_SECONDS:
                raise AudioError(Reason.TOO_LONG, f"a live session lasts at most {MAX_CALL_SECONDS} s")
            return self.session.feed(chunk)

    def finish(self) -> Transcript:
        """Hang-up: flush the buffered audio and publish the final transcript (blocking)."""
        with self.feed_lock:
            self.touched = time.monotonic()
            if self.final is None:
                self.final = self.session.finish()
                self.publish("final", {"text": self.final.text, "segments": _dicts(self.final.segments),
                                       "duration": self.final.duration, "triage": self.decision})  # fmt: skip
            return self.final

    def on_segments(self, segments: list[Segment]) -> None:
        self.publish("segments", {"segments": _dicts(segments), "text": self.session.text})

    def on_text(self, _text: str) -> None:
        if self.triage is None:
            return
        decision = self.triage(self.session.segments)
        if decision is not None and decision != self.decision:
            self.decision = decision
            self.publish("triage", decision)


def _dicts(segments: tuple[Segment, ...] | list[Segment]) -> list[dict[str, Any]]:
    return [s.to_dict() for s in segments]


class LiveHub:
    """The live sessions of this process, by call record id."""

    def __init__(self, *, max_sessions: int = MAX_SESSIONS) -> None:
        self.max_sessions = max_sessions
        self._calls: dict[int, LiveCall] = {}
        self._lock = threading.Lock()

    def open(
        self,
        record_id: int,
        transcriber: Transcriber,
        *,
        sample_rate: int,
        channels: int,
        hotwords: list[str],
        triage: Triage | None = None,
    ) -> LiveCall:
        """Start a call's live session; refused while an unfinished one is open for the call."""
        with self._lock:
            self._reap()
            current = self._calls.get(record_id)
            if current is not None and not current.finished:
                raise Conflict(f"call {record_id} already has a live session: finish it first")
            if len(self._calls) >= self.max_sessions and current is None:
                self._evict_finished()
            if len(self._calls) >= self.max_sessions and current is None:
                raise Conflict(f"this process already runs {self.max_sessions} live sessions")
            session = LiveSession(transcriber, sample_rate=sample_rate, channels=channels, hotwords=hotwords)
            call = LiveCall(record_id=record_id, session=session, triage=triage)
            session.on_segments, session.on_text = call.on_segments, call.on_text
            self._calls[record_id] = call
            return call

    def get(self, record_id: int) -> LiveCall:
        with self._lock:
            call = self._calls.get(record_id)
        if call is None:
            raise NotFound("live session", record_id)
        return call

    def _reap(self) -> None:
        """Drop sessions idle too long (finished ones stay an idle period so a late seat can replay them)."""
        now = time.monotonic()
        for key in [k for k, c in self._calls.items() if now - c.touched > IDLE_SECONDS]:
            del self._calls[key]

    def _evict_finished(self) -> None:
        """Make room by forgetting finished sessions, the longest untouched first."""
        done = sorted((c for c in self._calls.values() if c.finished), key=lambda c: c.touched)
        for call in done[: max(1, len(done) // 2)]:
            del self._calls[call.record_id]
