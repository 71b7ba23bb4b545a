"""Speech test helpers: WAV builders (also for broken files), tones, phone-line downsampling."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

AUDIO_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "audio"
KNOWN_TEXT = "欢迎大家来体验达摩院推出的语音识别模型"  # asr_example_zh.wav, per the data README


def wav_bytes(
    samples: np.ndarray,
    *,
    rate: int = 16_000,
    channels: int = 1,
    bits: int = 16,
    tag: int = 1,
    data_size: int | None = None,
    extra_chunks: bytes = b"",
) -> bytes:
    """Build a WAV file by hand so tests can also build broken ones."""
    if bits == 16:
        payload = np.asarray(samples, dtype="<i2").tobytes()
    else:
        payload = bytes(np.asarray(samples, dtype=np.uint8))
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, bits)
    size = len(payload) if data_size is None else data_size
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + extra_chunks
    body += b"data" + struct.pack("<I", size) + payload
    return b"RIFF" + struct.pack("<I", len(body)) + body


def tone(seconds: float, *, rate: int = 16_000, freq: float = 440.0, amp: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amp * 32767 * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def to_int16(samples: np.ndarray) -> np.ndarray:
    return np.clip(np.round(samples * 32768.0), -32768, 32767).astype(np.int16)


def downsample_half(samples: np.ndarray) -> np.ndarray:
    """16 kHz to 8 kHz the way a phone line does it: low-pass under 4 kHz, then keep every second sample."""
    n = np.arange(-32, 33)
    taps = np.sinc(n / 2) * np.kaiser(n.size, 8.0)
    taps /= taps.sum()
    return np.convolve(samples, taps, mode="same")[::2].astype(np.float32)
