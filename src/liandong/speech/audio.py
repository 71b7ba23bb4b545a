"""Read call recordings (RIFF WAV, 16-bit PCM, 8 or 16 kHz, mono or stereo) into 16 kHz float arrays."""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from liandong.core.errors import InvalidInput
from liandong.speech.enums import AudioErrorReason, Speaker

Reason = AudioErrorReason

SAMPLE_RATE = 16_000  # what whisper's feature extractor expects
ACCEPTED_RATES = (8_000, 16_000)  # telephony narrowband and wideband
# 200 MiB is about 55 minutes of 16 kHz stereo; longer recordings are split by the PBX anyway.
DEFAULT_MAX_BYTES = 200 * 1024 * 1024

_PCM = 0x0001
_EXTENSIBLE = 0xFFFE
_STREAMING_SIZE = 0xFFFFFFFF  # written by recorders that never patch the header (still recording)

FloatArray = npt.NDArray[np.float32]
AudioSource = bytes | bytearray | memoryview | str | os.PathLike[str] | BinaryIO


class AudioError(InvalidInput):
    """A recording that cannot be used; `reason` says why, the message says it for people."""

    code = "invalid_audio"

    def __init__(self, reason: AudioErrorReason, message: str) -> None:
        super().__init__("audio", message)
        self.reason = reason
        self.details["reason"] = reason.value


@dataclass(frozen=True)
class Audio:
    """Decoded audio at 16 kHz: `samples` has shape (channels, frames), floats in [-1, 1)."""

    samples: FloatArray
    source_rate: int = SAMPLE_RATE

    @property
    def channels(self) -> int:
        return int(self.samples.shape[0])

    @property
    def frames(self) -> int:
        return int(self.samples.shape[1])

    @property
    def duration(self) -> float:
        return self.frames / SAMPLE_RATE

    def mono(self) -> FloatArray:
        """Mix every channel down to one, as whisper takes it."""
        if self.channels == 1:
            return self.samples[0]
        return np.ascontiguousarray(self.samples.mean(axis=0, dtype=np.float32))

    def speaker_channels(self) -> Iterator[tuple[Speaker | None, FloatArray]]:
        """Yield (speaker, samples): stereo calls are caller on the left, seat on the right."""
        if self.channels == 1:
            yield None, self.samples[0]
            return
        yield Speaker.CALLER, np.ascontiguousarray(self.samples[0])
        yield Speaker.SEAT, np.ascontiguousarray(self.samples[1])


@dataclass(frozen=True)
class _Format:
    channels: int
    rate: int
    bits: int
    block_align: int


def read_wav(
    source: AudioSource, *, max_bytes: int = DEFAULT_MAX_BYTES, max_seconds: float | None = None
) -> Audio:
    """Read a WAV file, path, stream or bytes; refuse anything else with an `AudioError`."""
    data = _read_limited(source, max_bytes=max_bytes)
    return parse_wav(data, max_bytes=max_bytes, max_seconds=max_seconds)


@dataclass(frozen=True)
class WavInfo:
    """What a WAV header and data chunk say, checked without decoding the samples."""

    channels: int
    rate: int
    frames: int

    @property
    def duration(self) -> float:
        return self.frames / self.rate


def probe_wav(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_seconds: float | None = None
) -> WavInfo:
    """Check WAV bytes exactly as `parse_wav` does, but cheaply: for refusing an upload before storing it."""
    fmt, pcm = _checked(data, max_bytes=max_bytes, max_seconds=max_seconds)
    return WavInfo(channels=fmt.channels, rate=fmt.rate, frames=len(pcm) // fmt.block_align)


def parse_wav(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_seconds: float | None = None) -> Audio:
    """Parse WAV bytes into 16 kHz audio."""
    fmt, pcm = _checked(data, max_bytes=max_bytes, max_seconds=max_seconds)
    samples = pcm16_to_float(pcm, channels=fmt.channels)
    return Audio(samples=resample(samples, src_rate=fmt.rate), source_rate=fmt.rate)


def _checked(data: bytes, *, max_bytes: int, max_seconds: float | None) -> tuple[_Format, bytes]:
    """The format and the whole-frame PCM payload, or an `AudioError` saying what is wrong."""
    if not data:
        raise AudioError(Reason.EMPTY, "the recording is empty (0 bytes)")
    if len(data) > max_bytes:
        raise AudioError(Reason.TOO_LARGE, f"the recording is {len(data)} bytes, limit {max_bytes}")
    if len(data) < 12 or data[0:4] != b"RIFF" or data[8:12] != b"WAVE":
        if data[0:4] == b"RIFX":
            raise AudioError(Reason.UNSUPPORTED_FORMAT, "big-endian WAV (RIFX) is not supported")
        raise AudioError(Reason.NOT_WAV, "not a WAV file (no RIFF/WAVE header)")
    fmt, pcm = _chunks(data)
    frames = len(pcm) // fmt.block_align
    if frames == 0:
        raise AudioError(Reason.EMPTY, "the recording has no audio frames")
    seconds = frames / fmt.rate
    if max_seconds is not None and seconds > max_seconds:
        raise AudioError(Reason.TOO_LONG, f"the recording lasts {seconds:.0f} s, limit {max_seconds:.0f} s")
    return fmt, pcm[: frames * fmt.block_align]


def _chunks(data: bytes) -> tuple[_Format, bytes]:
    """Walk the RIFF chunks and return the format and the PCM payload."""
    fmt: _Format | None = None
    pos = 12
    while pos + 8 <= len(data):
        chunk_id = data[pos : pos + 4]
        (size,) = struct.unpack_from("<I", data, pos + 4)
        body = pos + 8
        available = len(data) - body
        if chunk_id == b"fmt ":
            if size < 16 or size > available:
                raise AudioError(Reason.TRUNCATED, "the WAV format chunk is cut short")
            fmt = _parse_fmt(data[body : body + size])
        elif chunk_id == b"data":
            if fmt is None:
                raise AudioError(Reason.UNSUPPORTED_FORMAT, "the WAV data chunk comes before its format")
            if size == _STREAMING_SIZE:
                size = available - available % fmt.block_align
            if size > available:
                raise AudioError(
                    Reason.TRUNCATED,
                    f"the WAV file is truncated: {available} of {size} audio bytes present",
                )
            if size % fmt.block_align:
                raise AudioError(Reason.TRUNCATED, "the WAV audio data ends in the middle of a sample")
            return fmt, data[body : body + size]
        pos = body + size + (size & 1)  # chunks are padded to an even size
    if fmt is None:
        raise AudioError(Reason.NOT_WAV, "the WAV file has no format chunk")
    raise AudioError(Reason.TRUNCATED, "the WAV file has no audio data chunk")


def _parse_fmt(body: bytes) -> _Format:
    tag, channels, rate, _byte_rate, block_align, bits = struct.unpack_from("<HHIIHH", body, 0)
    if tag == _EXTENSIBLE and len(body) >= 40:
        (tag,) = struct.unpack_from("<H", body, 24)  # first two bytes of the sub-format GUID
    if tag != _PCM:
        raise AudioError(
            Reason.UNSUPPORTED_FORMAT, f"WAV encoding {tag:#06x} is not supported: use 16-bit PCM"
        )
    if bits != 16:
        raise AudioError(Reason.UNSUPPORTED_FORMAT, f"{bits}-bit samples are not supported: use 16-bit PCM")
    if channels not in (1, 2):
        raise AudioError(Reason.UNSUPPORTED_FORMAT, f"{channels} channels: use mono or stereo")
    if rate not in ACCEPTED_RATES:
        raise AudioError(Reason.UNSUPPORTED_FORMAT, f"sample rate {rate} Hz: use 8000 or 16000 Hz")
    if block_align != channels * 2:
        raise AudioError(Reason.UNSUPPORTED_FORMAT, f"block align {block_align} does not match the format")
    return _Format(channels=channels, rate=rate, bits=bits, block_align=block_align)


def _read_limited(source: AudioSource, *, max_bytes: int) -> bytes:
    """Return the bytes of `source` without ever reading more than `max_bytes` + 1 of them."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            size = path.stat().st_size
            if size > max_bytes:
                raise AudioError(Reason.TOO_LARGE, f"the recording is {size} bytes, limit {max_bytes}")
            with path.open("rb") as handle:
                return handle.read(max_bytes + 1)
        except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
            raise AudioError(Reason.NOT_WAV, f"cannot read {path.name}: {exc.strerror}") from exc
    return source.read(max_bytes + 1)


def pcm16_to_float(pcm: bytes | bytearray | memoryview, *, channels: int) -> FloatArray:
    """Interleaved little-endian 16-bit PCM to float32 of shape (channels, frames)."""
    if channels not in (1, 2):
        raise AudioError(Reason.UNSUPPORTED_FORMAT, f"{channels} channels: use mono or stereo")
    if len(pcm) % (2 * channels):
        raise AudioError(Reason.TRUNCATED, "PCM data ends in the middle of a sample")
    ints = np.frombuffer(pcm, dtype="<i2").reshape(-1, channels).T
    return np.ascontiguousarray(ints, dtype=np.float32) / np.float32(32768.0)


def resample(samples: FloatArray, *, src_rate: int, dst_rate: int = SAMPLE_RATE) -> FloatArray:
    """Up-sample (channels, frames) by an integer factor with a windowed-sinc low-pass filter."""
    if src_rate == dst_rate:
        return samples
    if dst_rate % src_rate:
        raise AudioError(Reason.UNSUPPORTED_FORMAT, f"cannot resample {src_rate} Hz to {dst_rate} Hz")
    factor = dst_rate // src_rate
    taps = _lowpass(factor)
    stuffed = np.zeros((samples.shape[0], samples.shape[1] * factor), dtype=np.float32)
    stuffed[:, ::factor] = samples
    out = np.stack([np.convolve(row, taps, mode="same") for row in stuffed])
    return np.clip(out, -1.0, 1.0).astype(np.float32, copy=False)


def _lowpass(factor: int, half_width: int = 16) -> FloatArray:
    """Kaiser-windowed sinc cutting at the source Nyquist, gain `factor` to undo the zero-stuffing."""
    n = np.arange(-half_width * factor, half_width * factor + 1, dtype=np.float64)
    taps = np.sinc(n / factor) * np.kaiser(n.size, 8.0)
    taps *= factor / taps.sum()
    return taps.astype(np.float32)
