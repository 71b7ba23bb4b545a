"""Speech fixtures: the shared audio clips and one whisper model per test session."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from tests.speech.helpers import AUDIO_DIR

from liandong.speech.audio import Audio, read_wav


@pytest.fixture(scope="session")
def audio_dir() -> Path:
    if not (AUDIO_DIR / "asr_example_zh.wav").is_file():
        pytest.skip(f"shared speech clips absent ({AUDIO_DIR}); see ../shared/data/README.md")
    return AUDIO_DIR


@pytest.fixture(scope="session")
def clip(audio_dir: Path) -> Callable[[str], Audio]:
    cache: dict[str, Audio] = {}

    def load(name: str) -> Audio:
        if name not in cache:
            cache[name] = read_wav(audio_dir / name)
        return cache[name]

    return load


@pytest.fixture(scope="session")
def transcriber(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The packaged whisper-base, joined once into a temporary cache and loaded once per session."""
    pytest.importorskip("faster_whisper", reason="speech extra not installed: pip install 'liandong[ml]'")
    from liandong.speech.model import SpeechModelError
    from liandong.speech.transcribe import Transcriber

    try:
        return Transcriber.load(cache_dir=tmp_path_factory.mktemp("models") / "whisper-base")
    except SpeechModelError as exc:
        pytest.skip(f"packaged speech model unavailable: {exc}")
