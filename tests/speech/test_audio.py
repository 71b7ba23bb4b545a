"""WAV reading: accepted formats, resampling, stereo split, and every kind of bad file refused clearly."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.speech.helpers import tone, wav_bytes

from liandong.core.errors import InvalidInput
from liandong.speech.audio import SAMPLE_RATE, AudioError, parse_wav, pcm16_to_float, read_wav, resample
from liandong.speech.enums import AudioErrorReason, Speaker


def test_reads_16k_mono_as_floats() -> None:
    samples = np.array([0, 16384, -16384, 32767, -32768], dtype=np.int16)
    audio = parse_wav(wav_bytes(samples))
    assert audio.channels == 1 and audio.frames == 5 and audio.source_rate == 16_000
    assert audio.samples.dtype == np.float32
    np.testing.assert_allclose(audio.samples[0], [0, 0.5, -0.5, 32767 / 32768, -1.0])


def test_reads_path_and_stream_the_same_as_bytes(tmp_path: Path) -> None:
    data = wav_bytes(tone(0.5))
    path = tmp_path / "call.wav"
    path.write_bytes(data)
    from_path = read_wav(path)
    from_stream = read_wav(io.BytesIO(data))
    np.testing.assert_array_equal(from_path.samples, from_stream.samples)
    assert from_path.duration == pytest.approx(0.5)


def test_8k_is_resampled_to_16k_faithfully() -> None:
    audio = parse_wav(wav_bytes(tone(1.0, rate=8_000, freq=1000.0), rate=8_000))
    assert audio.source_rate == 8_000 and audio.frames == 16_000
    expected = 0.3 * np.sin(2 * np.pi * 1000.0 * np.arange(16_000) / SAMPLE_RATE)
    middle = slice(200, -200)  # the filter's edges see zeros beyond the ends
    assert np.max(np.abs(audio.samples[0][middle] - expected[middle])) < 0.01


def test_stereo_splits_caller_left_seat_right() -> None:
    left, right = tone(0.2, freq=300.0), np.zeros(3200, dtype=np.int16)
    interleaved = np.stack([left, right], axis=1).reshape(-1)
    audio = parse_wav(wav_bytes(interleaved, channels=2))
    channels = dict(audio.speaker_channels())
    assert set(channels) == {Speaker.CALLER, Speaker.SEAT}
    assert np.abs(channels[Speaker.CALLER]).max() > 0.2
    assert np.abs(channels[Speaker.SEAT]).max() == 0.0
    assert audio.mono().shape == (3200,)


def test_mono_has_no_speaker() -> None:
    audio = parse_wav(wav_bytes(tone(0.1)))
    assert [speaker for speaker, _ in audio.speaker_channels()] == [None]


def test_skips_unknown_chunks_and_accepts_extensible_pcm() -> None:
    junk = b"LIST" + struct.pack("<I", 5) + b"abcde" + b"\x00"  # odd size, padded
    audio = parse_wav(wav_bytes(tone(0.1), extra_chunks=junk))
    assert audio.frames == 1600
    fmt = struct.pack("<HHIIHHHHI", 0xFFFE, 1, 16_000, 32_000, 2, 16, 22, 16, 4) + b"\x01\x00" + b"\x00" * 14
    pcm = tone(0.1).tobytes()
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(pcm)) + pcm
    assert parse_wav(b"RIFF" + struct.pack("<I", len(body)) + body).frames == 1600


def test_streaming_size_header_reads_to_end_of_file() -> None:
    data = wav_bytes(tone(0.1), data_size=0xFFFFFFFF) + b"\x01"  # a half sample at the end is dropped
    assert parse_wav(data).frames == 1600


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", AudioErrorReason.EMPTY),
        (wav_bytes(np.zeros(0, dtype=np.int16)), AudioErrorReason.EMPTY),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb" * 100, AudioErrorReason.NOT_WAV),
        ("这不是录音".encode(), AudioErrorReason.NOT_WAV),
        (b"RIFF\x00\x00\x00\x00AVI LIST", AudioErrorReason.NOT_WAV),
        (b"RIFX" + b"\x00" * 40, AudioErrorReason.UNSUPPORTED_FORMAT),
        (wav_bytes(tone(0.1), tag=3), AudioErrorReason.UNSUPPORTED_FORMAT),
        (wav_bytes(np.full(100, 128), bits=8), AudioErrorReason.UNSUPPORTED_FORMAT),
        (wav_bytes(tone(0.1, rate=44_100), rate=44_100), AudioErrorReason.UNSUPPORTED_FORMAT),
        (wav_bytes(tone(0.1, rate=11_025), rate=11_025), AudioErrorReason.UNSUPPORTED_FORMAT),
        (wav_bytes(tone(0.3)[:4800], channels=3), AudioErrorReason.UNSUPPORTED_FORMAT),
        (wav_bytes(tone(0.1))[:-100], AudioErrorReason.TRUNCATED),
        (wav_bytes(tone(0.1))[:30], AudioErrorReason.TRUNCATED),
        (wav_bytes(tone(0.1))[:44], AudioErrorReason.TRUNCATED),
        (wav_bytes(tone(0.1), data_size=3201)[:-1] + b"\x00", AudioErrorReason.TRUNCATED),
        (b"RIFF\x04\x00\x00\x00WAVE", AudioErrorReason.NOT_WAV),
        (
            b"RIFF\x20\x00\x00\x00WAVE" + b"data" + struct.pack("<I", 4) + b"\x00" * 4,
            AudioErrorReason.UNSUPPORTED_FORMAT,
        ),
    ],
    ids=[
        "empty",
        "no-frames",
        "mp3",
        "text",
        "avi",
        "big-endian",
        "float",
        "8-bit",
        "44k",
        "11k",
        "3-channels",
        "truncated-data",
        "truncated-fmt",
        "header-only",
        "half-sample",
        "no-chunks",
        "data-before-fmt",
    ],
)
def test_bad_files_raise_audio_error_with_reason(data: bytes, reason: AudioErrorReason) -> None:
    with pytest.raises(AudioError) as caught:
        parse_wav(data)
    assert caught.value.reason == reason
    assert caught.value.details["reason"] == reason.value
    assert isinstance(caught.value, InvalidInput)  # so the API maps it to a client error
    assert str(caught.value).startswith("audio: ")


def test_oversized_bytes_path_and_stream_are_refused_without_reading_them_whole(tmp_path: Path) -> None:
    data = wav_bytes(tone(1.0))
    path = tmp_path / "big.wav"
    path.write_bytes(data)
    limit = len(data) - 1
    for source in (data, path, io.BytesIO(data)):
        with pytest.raises(AudioError) as caught:
            read_wav(source, max_bytes=limit)
        assert caught.value.reason == AudioErrorReason.TOO_LARGE
    assert read_wav(path, max_bytes=len(data)).frames == 16_000


def test_too_long_recording_is_refused() -> None:
    with pytest.raises(AudioError) as caught:
        parse_wav(wav_bytes(tone(2.0)), max_seconds=1.5)
    assert caught.value.reason == AudioErrorReason.TOO_LONG


def test_missing_file_and_directory_give_audio_error(tmp_path: Path) -> None:
    for source in (tmp_path / "absent.wav", tmp_path):
        with pytest.raises(AudioError, match="cannot read"):
            read_wav(source)


def test_pcm16_to_float_rejects_partial_frames_and_bad_channels() -> None:
    assert pcm16_to_float(b"\x00\x40\x00\xc0", channels=2).shape == (2, 1)
    with pytest.raises(AudioError):
        pcm16_to_float(b"\x00\x40\x00", channels=1)
    with pytest.raises(AudioError):
        pcm16_to_float(b"\x00\x40\x00\xc0", channels=4)


def test_resample_refuses_non_integer_ratio_and_keeps_16k_untouched() -> None:
    samples = np.zeros((1, 10), dtype=np.float32)
    assert resample(samples, src_rate=16_000) is samples
    with pytest.raises(AudioError):
        resample(samples, src_rate=11_025)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=512))
def test_arbitrary_bytes_give_audio_or_audio_error(data: bytes) -> None:
    try:
        audio = parse_wav(data)
    except AudioError:
        return
    assert audio.frames > 0


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=200), st.binary(min_size=0, max_size=64))
def test_corrupted_real_header_never_escapes_as_another_error(cut: int, noise: bytes) -> None:
    data = wav_bytes(tone(0.01))
    mangled = data[:cut] + noise + data[cut + len(noise) :]
    try:
        audio = parse_wav(mangled)
    except AudioError:
        return
    assert audio.frames > 0 and np.all(np.abs(audio.samples) <= 1.0)
