"""Live mode: partial transcripts as a call goes on, the final one at hang-up, bad chunks refused."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from tests.speech.helpers import KNOWN_TEXT, to_int16

from liandong.speech.audio import Audio, AudioError
from liandong.speech.enums import Speaker
from liandong.speech.live import LiveSession, SessionFinished
from liandong.speech.transcribe import Segment, Transcriber, cer

SILENCE = np.zeros(16_000 * 2, dtype=np.float32)


def test_mono_call_streams_partials_then_final(
    transcriber: Transcriber, clip: Callable[[str], Audio]
) -> None:
    call = np.concatenate(
        [clip("asr_example_zh.wav").mono(), SILENCE, clip("asr_example.wav").mono(), SILENCE]
    )
    pcm = to_int16(call).tobytes()
    pushed: list[list[Segment]] = []
    texts: list[str] = []
    session = LiveSession(transcriber, on_segments=pushed.append, on_text=texts.append, hotwords=["达摩院"])
    partial_before_end: list[Segment] = []
    for i in range(0, len(pcm), 3331):  # odd chunk size: samples split across chunks
        partial_before_end.extend(session.feed(pcm[i : i + 3331]))
    final = session.finish()
    assert partial_before_end, "the first utterance should be pushed before hang-up"
    assert cer(KNOWN_TEXT, pushed[0][0].text) <= 0.15
    assert texts[0] and all(texts[i] in texts[i + 1] for i in range(len(texts) - 1))  # text only grows
    assert [s.text for batch in pushed for s in batch] == [s.text for s in final.segments]
    assert cer(KNOWN_TEXT + "每一天都要快乐喔", final.text) <= 0.2, final.text
    second = [s for s in final.segments if "每一天" in s.text]
    assert second and second[0].start >= 7.0  # absolute call time, not time within the chunk
    assert final.duration == pytest.approx(call.size / 16_000)
    with pytest.raises(SessionFinished):
        session.feed(pcm[:320])
    assert session.finish().segments == final.segments  # finishing twice is harmless


def test_stereo_8k_arrays_give_both_speakers(transcriber: Transcriber, clip: Callable[[str], Audio]) -> None:
    caller = np.concatenate([clip("asr_example_zh.wav").mono(), SILENCE[:16_000]])
    seat = np.zeros_like(caller)
    answer = clip("asr_example.wav").mono()
    seat[-answer.size - 8000 : -8000] = answer
    # 8 kHz phone line: keep every second sample (the clips have little energy above 4 kHz).
    frames = np.stack([to_int16(caller[::2]), to_int16(seat[::2])])
    session = LiveSession(transcriber, sample_rate=8_000, channels=2)
    for i in range(0, frames.shape[1], 1600):
        session.feed(frames[:, i : i + 1600])
    final = session.finish()
    assert {s.speaker for s in final.segments} == {Speaker.CALLER, Speaker.SEAT}
    assert cer(KNOWN_TEXT, final.text_of(Speaker.CALLER)) <= 0.25
    assert "每一天" in final.text_of(Speaker.SEAT)


def test_silent_call_gives_empty_transcript_without_decoding(transcriber: Transcriber) -> None:
    session = LiveSession(transcriber)
    for _ in range(10):
        assert session.feed(np.zeros(8000, dtype=np.float32)) == []
    final = session.finish()
    assert final.segments == () and final.text == "" and final.duration == pytest.approx(5.0)


@pytest.mark.parametrize(
    ("kwargs", "chunk"),
    [
        ({}, np.zeros((2, 100), dtype=np.float32)),  # stereo array into a mono session
        ({"channels": 2}, np.zeros(100, dtype=np.float32)),
        ({}, np.array([0.1, np.nan], dtype=np.float32)),
        ({}, np.array([1, 2, 3], dtype=np.int64)),
        ({}, np.zeros((1, 2, 3), dtype=np.float32)),
    ],
    ids=["stereo-into-mono", "mono-into-stereo", "nan", "int64", "3d"],
)
def test_bad_chunks_are_refused(transcriber: Transcriber, kwargs: dict[str, int], chunk: np.ndarray) -> None:
    session = LiveSession(transcriber, **kwargs)
    with pytest.raises(AudioError):
        session.feed(chunk)
    assert session.duration == 0.0


@pytest.mark.parametrize("kwargs", [{"sample_rate": 44_100}, {"channels": 0}, {"channels": 3}])
def test_bad_session_formats_are_refused(transcriber: Transcriber, kwargs: dict[str, int]) -> None:
    with pytest.raises(AudioError):
        LiveSession(transcriber, **kwargs)


def test_empty_and_partial_sample_chunks_are_buffered(transcriber: Transcriber) -> None:
    session = LiveSession(transcriber)
    assert session.feed(b"") == []
    assert session.feed(b"\x01") == []  # half a sample waits for its other byte
    assert session.duration == 0.0
    session.feed(b"\x00")
    assert session.duration == pytest.approx(1 / 16_000)
