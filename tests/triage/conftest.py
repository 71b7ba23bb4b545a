"""Fixtures of the triage tests: the shipped engine, loaded once per session."""

from pathlib import Path

import pytest

from liandong.triage import Triager

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.fixture(scope="session")
def triager() -> Triager:
    """The shipped rules and default model (jieba and the model load once)."""
    return Triager()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data folder, or skip when this checkout has none."""
    if not (SHARED / "teddy2020" / "dev_raw.csv").exists():
        pytest.skip(f"shared data not found at {SHARED} (developers and CI have it; a fresh clone does not)")
    return SHARED
