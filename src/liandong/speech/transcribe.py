"""Offline transcription of call audio with faster-whisper: Simplified Chinese, speaker turns in stereo."""

from __future__ import annotations

import inspect
import itertools
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from liandong.speech.audio import SAMPLE_RATE, Audio, FloatArray
from liandong.speech.enums import Speaker
from liandong.speech.model import ModelLocation, resolve_model

WINDOW_S = 30  # whisper hears 30 s at a time
MAX_HOTWORDS = 40
MAX_HOTWORD_CHARS = 16


@dataclass(frozen=True)
class Segment:
    """One recognised stretch of speech; times in seconds from the start of the call."""

    start: float
    end: float
    text: str
    speaker: Speaker | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text, "speaker": self.speaker}


@dataclass(frozen=True)
class Transcript:
    """A call's transcript: time-ordered segments, their text, the audio length and the model used."""

    segments: tuple[Segment, ...]
    duration: float
    model: str
    language: str | None = "zh"

    @property
    def text(self) -> str:
        return join_texts(s.text for s in self.segments)

    def text_of(self, speaker: Speaker) -> str:
        """What one side said, e.g. the caller's words for triage."""
        return join_texts(s.text for s in self.segments if s.speaker == speaker)

    def turns(self) -> list[Segment]:
        """Consecutive segments of the same speaker merged into one turn each."""
        turns: list[Segment] = []
        for seg in self.segments:
            if turns and turns[-1].speaker == seg.speaker:
                last = turns[-1]
                turns[-1] = Segment(
                    last.start, max(last.end, seg.end), join_texts([last.text, seg.text]), seg.speaker
                )
            else:
                turns.append(seg)
        return turns

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form for the call record."""
        return {
            "text": self.text,
            "duration": self.duration,
            "model": self.model,
            "language": self.language,
            "segments": [s.to_dict() for s in self.segments],
        }


@dataclass(frozen=True)
class DecodeOptions:
    """Decoding settings; the defaults were chosen on the bench (bench/speech.py)."""

    beam_size: int = 5
    # A short fallback ladder: every extra temperature is a full re-decode on a 2-core box.
    temperatures: tuple[float, ...] = (0.0, 0.4)
    vad: bool = True
    vad_min_silence_ms: int = 500
    vad_speech_pad_ms: int = 400
    # Speech that fits one whisper window without long pauses is cropped (silence around it removed,
    # `crop_pad_s` kept) and heard whole: cutting each utterance at its edges cost words on the bench,
    # while long leading silence makes whisper loop. Longer or gappy audio uses faster-whisper's VAD.
    crop_pad_s: float = 0.2  # on top of the VAD's own 0.4 s
    max_gap_s: float = 3.0
    # Whisper keeps its best failed attempt when every temperature loops ("6-6-6-6..."): drop such text.
    max_compression_ratio: float = 3.0
    extra: dict[str, Any] = field(default_factory=dict)


def join_texts(texts: Iterable[str]) -> str:
    """Join segment texts with one space, dropping empty ones."""
    return " ".join(t for t in (t.strip() for t in texts) if t)


def merge_segments(*channels: Iterable[Segment]) -> tuple[Segment, ...]:
    """Interleave the segments of several channels by start time."""
    return tuple(sorted((s for ch in channels for s in ch), key=lambda s: (s.start, s.end)))


def clean_hotwords(hotwords: Sequence[str]) -> list[str]:
    """Strip, de-duplicate and bound the hot words so a long list cannot crowd out the decoder's prompt."""
    seen: dict[str, None] = {}
    for word in hotwords:
        word = " ".join(str(word).split())[:MAX_HOTWORD_CHARS]
        if word:
            seen.setdefault(word, None)
    return list(seen)[:MAX_HOTWORDS]


@cache
def _converter() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional to Simplified Chinese; whisper often writes Traditional for Mandarin."""
    return str(_converter().convert(text))


class Transcriber:
    """A loaded whisper model; thread-safe, one decode at a time (the box has 2 cores)."""

    def __init__(self, model: Any, *, model_name: str, options: DecodeOptions | None = None) -> None:
        self.model = model
        self.model_name = model_name
        self.options = options or DecodeOptions()
        self._lock = threading.Lock()
        self._has_hotwords = "hotwords" in inspect.signature(model.transcribe).parameters

    @classmethod
    def load(
        cls,
        *,
        model_dir: Path | None = None,
        cache_dir: Path | None = None,
        cpu_threads: int = 2,
        compute_type: str = "int8",
        options: DecodeOptions | None = None,
    ) -> Transcriber:
        """Load the configured model directory, or the packaged whisper-base."""
        location: ModelLocation = resolve_model(model_dir=model_dir, cache_dir=cache_dir)
        from faster_whisper import WhisperModel  # heavy import, only where a model is really loaded

        model = WhisperModel(
            str(location.path),
            device="cpu",
            compute_type=compute_type,
            cpu_threads=cpu_threads,
            local_files_only=True,
        )
        return cls(model, model_name=location.name, options=options)

    def transcribe(
        self, audio: Audio | FloatArray, *, hotwords: Sequence[str] = (), language: str | None = "zh"
    ) -> Transcript:
        """Transcribe a whole recording; stereo gives caller and seat turns."""
        if not isinstance(audio, Audio):
            audio = Audio(samples=np.atleast_2d(np.asarray(audio, dtype=np.float32)))
        channels = [
            self.transcribe_samples(samples, speaker=speaker, hotwords=hotwords, language=language)
            for speaker, samples in audio.speaker_channels()
        ]
        return Transcript(
            merge_segments(*channels), duration=audio.duration, model=self.model_name, language=language
        )

    def transcribe_samples(
        self,
        samples: FloatArray,
        *,
        speaker: Speaker | None = None,
        offset: float = 0.0,
        hotwords: Sequence[str] = (),
        language: str | None = "zh",
        vad: bool | None = None,
    ) -> list[Segment]:
        """Transcribe one channel of 16 kHz samples; `offset` shifts the times (live chunks)."""
        if samples.size < SAMPLE_RATE // 10:
            return []  # under 0.1 s there is nothing to hear, and whisper would invent something
        opts = self.options
        use_vad = opts.vad if vad is None else vad
        if use_vad:
            regions = speech_regions(samples, options=opts)
            if not regions:
                return []  # silence or noise only: whisper would invent a sentence
            pad = int(opts.crop_pad_s * SAMPLE_RATE)
            first = max(0, regions[0][0] - pad)
            samples = samples[first : min(samples.size, regions[-1][1] + pad)]
            offset += first / SAMPLE_RATE
            gaps = [b[0] - a[1] for a, b in itertools.pairwise(regions)]
            use_vad = (
                samples.size > WINDOW_S * SAMPLE_RATE or max(gaps, default=0) > opts.max_gap_s * SAMPLE_RATE
            )
        words = clean_hotwords(hotwords)
        kwargs: dict[str, Any] = {
            "language": language,
            "beam_size": opts.beam_size,
            "temperature": list(opts.temperatures),
            "condition_on_previous_text": False,  # stops one misheard window from derailing the rest
            "vad_filter": use_vad,
            "vad_parameters": _vad_parameters(opts),
            **opts.extra,
        }
        if words:
            prompt = "、".join(words)
            kwargs["hotwords" if self._has_hotwords else "initial_prompt"] = prompt
        with self._lock:
            raw, _info = self.model.transcribe(np.ascontiguousarray(samples, dtype=np.float32), **kwargs)
            segments = list(raw)  # the generator decodes lazily: consume it under the lock
        out = []
        for seg in segments:
            text = to_simplified(seg.text).strip()
            if text and seg.compression_ratio <= opts.max_compression_ratio:
                out.append(Segment(round(seg.start + offset, 2), round(seg.end + offset, 2), text, speaker))
        return out


def _vad_parameters(opts: DecodeOptions) -> dict[str, Any]:
    return {"min_silence_duration_ms": opts.vad_min_silence_ms, "speech_pad_ms": opts.vad_speech_pad_ms}


def speech_regions(samples: FloatArray, *, options: DecodeOptions | None = None) -> list[tuple[int, int]]:
    """(start, end) sample indices of speech found by the Silero VAD bundled with faster-whisper."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    vad_options = VadOptions(**_vad_parameters(options or DecodeOptions()))
    found = get_speech_timestamps(np.ascontiguousarray(samples, dtype=np.float32), vad_options)
    return [(int(r["start"]), int(r["end"])) for r in found]


def normalize_for_cer(text: str) -> str:
    """Drop spaces and punctuation, fold width and case, Simplified script: what CER should not count."""
    text = to_simplified(unicodedata.normalize("NFKC", text)).lower()
    return "".join(ch for ch in text if not ch.isspace() and not unicodedata.category(ch).startswith("P"))


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate: edit distance over the reference length, after `normalize_for_cer`."""
    ref, hyp = normalize_for_cer(reference), normalize_for_cer(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, start=1):
        current = [i]
        for j, h in enumerate(hyp, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1] / len(ref)
