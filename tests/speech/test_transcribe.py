"""Transcription: CER metric, text helpers, and the real model on the shared Mandarin clips."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pytest
from tests.speech.helpers import KNOWN_TEXT, downsample_half, to_int16, wav_bytes

from liandong.speech.audio import Audio, parse_wav
from liandong.speech.enums import Speaker
from liandong.speech.transcribe import (
    MAX_HOTWORD_CHARS,
    MAX_HOTWORDS,
    Segment,
    Transcriber,
    Transcript,
    cer,
    clean_hotwords,
    merge_segments,
    to_simplified,
)

# --- pure helpers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "hyp", "expected"),
    [
        ("语音识别", "语音识别", 0.0),
        ("语音识别", "运营识别", 0.5),
        ("语音识别", "语音识", 0.25),
        ("语音识别", "语音识别模型", 0.5),
        ("语音识别", "", 1.0),
        ("", "", 0.0),
        ("", "多余", 1.0),
        ("语音，识别。", "语音 识别", 0.0),  # punctuation and spaces are not counted
        ("語音識別", "语音识别", 0.0),  # nor the script
        ("ＡＢＣ", "abc", 0.0),  # nor width and case
    ],
)
def test_cer(ref: str, hyp: str, expected: float) -> None:
    assert cer(ref, hyp) == pytest.approx(expected)


def test_to_simplified_converts_traditional() -> None:
    assert to_simplified("每一天都要快樂喔，語音識別") == "每一天都要快乐喔，语音识别"


def test_clean_hotwords_strips_dedupes_and_bounds() -> None:
    words = [
        "  朝阳区 ",
        "朝阳区",
        "",
        "  ",
        "住房和城乡\n建设局",
        "x" * 100,
        *[f"词{i}" for i in range(100)],
    ]
    cleaned = clean_hotwords(words)
    assert cleaned[:3] == ["朝阳区", "住房和城乡 建设局", "x" * MAX_HOTWORD_CHARS]
    assert len(cleaned) == MAX_HOTWORDS


def test_merge_and_turns_follow_time_and_speaker() -> None:
    caller = [Segment(0.0, 2.0, "我家楼下", Speaker.CALLER), Segment(2.1, 3.0, "有人打架", Speaker.CALLER)]
    seat = [Segment(3.5, 4.0, "在哪里", Speaker.SEAT)]
    transcript = Transcript(merge_segments(seat, caller), duration=5.0, model="m")
    assert [s.text for s in transcript.segments] == ["我家楼下", "有人打架", "在哪里"]
    turns = transcript.turns()
    assert [(t.speaker, t.text, t.start, t.end) for t in turns] == [
        (Speaker.CALLER, "我家楼下 有人打架", 0.0, 3.0),
        (Speaker.SEAT, "在哪里", 3.5, 4.0),
    ]
    assert transcript.text_of(Speaker.CALLER) == "我家楼下 有人打架"
    data = json.loads(json.dumps(transcript.to_dict(), ensure_ascii=False))
    assert data["segments"][2] == {"start": 3.5, "end": 4.0, "text": "在哪里", "speaker": "seat"}


# --- the real model -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def known(transcriber: Transcriber, clip: Callable[[str], Audio]) -> Transcript:
    return transcriber.transcribe(clip("asr_example_zh.wav"))


def test_known_clip_is_transcribed_within_cer(known: Transcript, clip: Callable[[str], Audio]) -> None:
    assert cer(KNOWN_TEXT, known.text) <= 0.15, known.text
    assert known.model == "whisper-base" and known.language == "zh"
    assert known.duration == pytest.approx(clip("asr_example_zh.wav").duration)
    assert all(0.0 <= s.start < s.end <= known.duration + 0.5 and s.speaker is None for s in known.segments)


def test_traditional_output_becomes_simplified(
    transcriber: Transcriber, clip: Callable[[str], Audio]
) -> None:
    text = transcriber.transcribe(clip("asr_example.wav")).text
    assert text and to_simplified(text) == text


def test_phone_line_8k_recording_is_transcribed(
    transcriber: Transcriber, clip: Callable[[str], Audio]
) -> None:
    narrow = downsample_half(clip("asr_example_zh.wav").mono())
    audio = parse_wav(wav_bytes(to_int16(narrow), rate=8_000))
    assert audio.source_rate == 8_000
    transcript = transcriber.transcribe(audio)
    # Phone-band audio loses everything above 4 kHz: whisper-base makes about one error more in ten.
    assert cer(KNOWN_TEXT, transcript.text) <= 0.25, transcript.text


def test_stereo_call_gives_caller_and_seat_turns(
    transcriber: Transcriber, clip: Callable[[str], Audio]
) -> None:
    caller, seat = clip("asr_example_zh.wav").mono(), clip("asr_example.wav").mono()
    # The seat answers after the caller has finished: seat audio starts 6 s in.
    length = 6 * 16_000 + seat.size
    left = np.zeros(length, dtype=np.float32)
    right = np.zeros(length, dtype=np.float32)
    left[: caller.size] = caller
    right[6 * 16_000 :] = seat
    interleaved = np.stack([to_int16(left), to_int16(right)], axis=1).reshape(-1)
    transcript = transcriber.transcribe(parse_wav(wav_bytes(interleaved, channels=2)))
    turns = transcript.turns()
    assert [t.speaker for t in turns] == [Speaker.CALLER, Speaker.SEAT]
    assert cer(KNOWN_TEXT, transcript.text_of(Speaker.CALLER)) <= 0.15
    assert turns[1].start >= 5.5
    assert "每一天" in transcript.text_of(Speaker.SEAT)


def test_silence_and_noise_give_no_invented_text(transcriber: Transcriber) -> None:
    rng = np.random.default_rng(7)
    quiet = Audio(samples=np.zeros((1, 16_000 * 3), dtype=np.float32))
    hiss = Audio(samples=(rng.standard_normal((1, 16_000 * 3)) * 0.003).astype(np.float32))
    assert transcriber.transcribe(quiet).segments == ()
    assert transcriber.transcribe(hiss).segments == ()
    assert transcriber.transcribe(np.zeros(100, dtype=np.float32)).segments == ()


def test_hotwords_are_accepted_and_keep_the_text(
    transcriber: Transcriber, clip: Callable[[str], Audio], known: Transcript
) -> None:
    hinted = transcriber.transcribe(clip("asr_example_zh.wav"), hotwords=["达摩院", "语音识别", "  "])
    assert cer(KNOWN_TEXT, hinted.text) <= cer(KNOWN_TEXT, known.text) + 0.06, hinted.text
    assert "语音识别" in hinted.text
