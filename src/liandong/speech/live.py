"""Live transcription of a call in progress: PCM chunks in, utterances out as the VAD sees each one end."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from liandong.core.errors import Conflict
from liandong.speech.audio import (
    ACCEPTED_RATES,
    SAMPLE_RATE,
    AudioError,
    FloatArray,
    Reason,
    pcm16_to_float,
    resample,
)
from liandong.speech.enums import Speaker
from liandong.speech.transcribe import (
    Segment,
    Transcriber,
    Transcript,
    join_texts,
    merge_segments,
    speech_regions,
)

SegmentsCallback = Callable[[list[Segment]], None]
TextCallback = Callable[[str], None]


class SessionFinished(Conflict):
    """Audio arrived for a live session that has already been finished."""

    code = "live_session_finished"


@dataclass
class _Channel:
    """One side of the call: audio not yet transcribed, at the source rate, and where it starts."""

    speaker: Speaker | None
    pending: list[FloatArray] = field(default_factory=list)
    pending_frames: int = 0
    start_frame: int = 0  # absolute source-rate frame of pending[0]
    unchecked_frames: int = 0

    def buffer(self) -> FloatArray:
        if len(self.pending) != 1:
            joined = np.concatenate(self.pending) if self.pending else np.zeros(0, dtype=np.float32)
            self.pending = [joined]
        return self.pending[0]

    def drop(self, frames: int) -> None:
        """Forget the first `frames` source-rate frames (already transcribed or silent)."""
        rest = self.buffer()[frames:]
        self.pending = [rest]
        self.pending_frames = int(rest.size)
        self.start_frame += frames


class LiveSession:
    """Transcribe one call while it happens; run it in a worker, not the request thread.

    Feed PCM as it arrives; each time the VAD sees an utterance end (or one runs past `max_utterance_s`)
    it is transcribed, `on_segments` gets the new segments (push them to the seat) and `on_text` the
    whole text so far (re-run triage on it). `finish()` at hang-up flushes the rest and returns the
    final transcript. Stereo input is caller on the left, seat on the right.
    """

    def __init__(
        self,
        transcriber: Transcriber,
        *,
        sample_rate: int = SAMPLE_RATE,
        channels: int = 1,
        hotwords: Sequence[str] = (),
        language: str | None = "zh",
        on_segments: SegmentsCallback | None = None,
        on_text: TextCallback | None = None,
        min_silence_s: float = 0.6,
        max_utterance_s: float = 20.0,
        check_every_s: float = 1.0,
    ) -> None:
        if sample_rate not in ACCEPTED_RATES:
            raise AudioError(Reason.UNSUPPORTED_FORMAT, f"sample rate {sample_rate} Hz: use 8000 or 16000 Hz")
        if channels not in (1, 2):
            raise AudioError(Reason.UNSUPPORTED_FORMAT, f"{channels} channels: use mono or stereo")
        self.transcriber = transcriber
        self.sample_rate = sample_rate
        self.hotwords = list(hotwords)
        self.language = language
        self.on_segments = on_segments
        self.on_text = on_text
        self.min_silence_s = min_silence_s
        # Whisper sees at most 30 s at once; forcing a cut earlier keeps the seat's latency bounded.
        self.max_utterance_s = min(max_utterance_s, 28.0)
        self.check_every_s = check_every_s
        speakers: list[Speaker | None] = [None] if channels == 1 else [Speaker.CALLER, Speaker.SEAT]
        self._channels = [_Channel(speaker) for speaker in speakers]
        self._remainder = b""  # a chunk boundary may split a sample
        self._segments: list[Segment] = []
        self._frames_fed = 0
        self._finished = False

    @property
    def segments(self) -> tuple[Segment, ...]:
        return merge_segments(self._segments)

    @property
    def text(self) -> str:
        return join_texts(s.text for s in self.segments)

    @property
    def channels(self) -> int:
        return len(self._channels)

    @property
    def duration(self) -> float:
        return self._frames_fed / self.sample_rate

    def feed(self, chunk: bytes | bytearray | memoryview | np.ndarray) -> list[Segment]:
        """Add PCM16 bytes (interleaved) or an array (frames,) or (channels, frames); return new segments."""
        if self._finished:
            raise SessionFinished("this live session is finished: start a new one for a new call")
        samples = self._decode(chunk)
        if samples.shape[1] == 0:
            return []
        self._frames_fed += int(samples.shape[1])
        for channel, row in zip(self._channels, samples, strict=True):
            channel.pending.append(row)
            channel.pending_frames += int(row.size)
            channel.unchecked_frames += int(row.size)
        new: list[Segment] = []
        for channel in self._channels:
            if channel.unchecked_frames >= self.check_every_s * self.sample_rate:
                channel.unchecked_frames = 0
                new.extend(self._commit_ready(channel, final=False))
        return self._emit(new)

    def finish(self) -> Transcript:
        """Hang-up: transcribe what is still buffered and return the final transcript."""
        if not self._finished:
            self._finished = True
            new: list[Segment] = []
            for channel in self._channels:
                new.extend(self._commit_ready(channel, final=True))
            self._emit(new)
        return Transcript(
            self.segments, duration=self.duration, model=self.transcriber.model_name, language=self.language
        )

    def _decode(self, chunk: bytes | bytearray | memoryview | np.ndarray) -> FloatArray:
        channels = len(self._channels)
        if isinstance(chunk, np.ndarray):
            arr = chunk.reshape(1, -1) if chunk.ndim == 1 else chunk
            if arr.ndim != 2 or arr.shape[0] != channels:
                raise AudioError(
                    Reason.UNSUPPORTED_FORMAT, f"expected an array of shape ({channels}, frames)"
                )
            if arr.dtype == np.int16:
                return arr.astype(np.float32) / np.float32(32768.0)
            if not np.issubdtype(arr.dtype, np.floating) or not np.all(np.isfinite(arr)):
                raise AudioError(Reason.UNSUPPORTED_FORMAT, "audio arrays must be int16 or finite floats")
            return np.clip(arr, -1.0, 1.0).astype(np.float32)
        data = self._remainder + bytes(chunk)
        usable = len(data) - len(data) % (2 * channels)
        self._remainder = data[usable:]
        return pcm16_to_float(data[:usable], channels=channels)

    def _commit_ready(self, channel: _Channel, *, final: bool) -> list[Segment]:
        """Transcribe the utterances of `channel` that have ended (all of them when `final`)."""
        if channel.pending_frames == 0:
            return []
        source = channel.buffer()
        audio = resample(source.reshape(1, -1), src_rate=self.sample_rate)[0]
        factor = SAMPLE_RATE // self.sample_rate
        regions = speech_regions(audio, options=self.transcriber.options)
        if not regions:
            # Keep a second of silence so the VAD has context when speech begins.
            keep = 0 if final else min(source.size, self.sample_rate)
            channel.drop(source.size - keep)
            return []
        tail_silence = (audio.size - regions[-1][1]) / SAMPLE_RATE
        closed = [r for r in regions if (audio.size - r[1]) / SAMPLE_RATE >= self.min_silence_s]
        if final or tail_silence >= self.min_silence_s:
            cut = audio.size if final else regions[-1][1]
            start = regions[0][0]
        elif closed:
            start, cut = regions[0][0], closed[-1][1]
        elif (audio.size - regions[0][0]) / SAMPLE_RATE >= self.max_utterance_s:
            start, cut = regions[0][0], audio.size  # a long turn without a pause: cut it here
        else:
            return []
        offset = (channel.start_frame * factor + start) / SAMPLE_RATE
        segments = self.transcriber.transcribe_samples(
            audio[start:cut],
            speaker=channel.speaker,
            offset=offset,
            hotwords=self.hotwords,
            language=self.language,
            vad=False,  # already cut on the VAD's regions
        )
        channel.drop(min(source.size, -(-cut // factor)))
        return segments

    def _emit(self, new: list[Segment]) -> list[Segment]:
        if not new:
            return []
        self._segments.extend(new)
        if self.on_segments is not None:
            self.on_segments(new)
        if self.on_text is not None:
            self.on_text(self.text)
        return new
