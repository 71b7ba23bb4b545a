"""The learning-curve bench's fit: a power law of the error, its inverse, and the per-class subsample."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def curve() -> ModuleType:
    """bench/triage_curve.py loaded as a module (bench/ is scripts, not a package)."""
    spec = importlib.util.spec_from_file_location("triage_curve", BENCH / "triage_curve.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["triage_curve"] = module
    spec.loader.exec_module(module)
    return module


def test_power_law_recovers_the_curve_and_inverts_it(curve: ModuleType) -> None:
    points = [(n, 1 - 2.0 * n**-0.3) for n in (500.0, 1000.0, 2000.0, 4000.0)]
    a, b = curve.power_law(points)
    assert a == pytest.approx(2.0, rel=1e-6)
    assert b == pytest.approx(0.3, rel=1e-6)
    needed = curve.rows_for(0.94, a, b)
    assert 1 - 2.0 * needed**-0.3 == pytest.approx(0.94, abs=1e-4)


def test_a_curve_that_does_not_fall_gives_no_row_count(curve: ModuleType) -> None:
    a, b = curve.power_law([(500.0, 0.9), (1000.0, 0.9), (2000.0, 0.89)])
    assert b <= 0
    assert curve.rows_for(0.94, a, b) is None


def test_subsample_keeps_each_class_in_proportion(curve: ModuleType) -> None:
    y = np.asarray(["a"] * 80 + ["b"] * 16 + ["c"] * 1)
    index = np.arange(len(y), dtype=np.int64)
    kept = curve.subsample(index, y, 0.25, np.random.default_rng(0))
    assert [int((y[kept] == c).sum()) for c in "abc"] == [20, 4, 1]
    assert len(set(kept.tolist())) == len(kept)
    assert curve.subsample(index, y, 1.0, np.random.default_rng(0)) is index
