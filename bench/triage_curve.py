"""Learning curve of the default category model: prints ONE JSON line.

How macro-F1 grows with the number of labelled training rows, and how many rows the fitted curve needs for a
target (default 0.94), for the shipped learner (liandong.triage.train.fit, the same settings) on the same clean
rows scripts/train_triage.py builds from ../shared/data/teddy2020:
- "cv": stratified 3-fold CV on the training rows; each fold's training side is subsampled per class to a fraction;
- "dev": models trained on per-class subsamples of all training rows, scored on dev_raw (for the record: nothing is
  chosen by it).
Each point is the mean over seeds. The curve fitted is a power law of the error, 1 - F1 = a * n^-b (least squares
on logs), the usual shape of learning curves; rows_for_target extrapolates it and is an estimate, not a promise.
Run: .venv/bin/python bench/triage_curve.py [--seeds 0,1,2] [--fractions 0.125,0.25,0.5,0.75,1] [--target 0.94]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import numpy.typing as npt
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from train_triage import DEFAULT_DATA, training_rows  # noqa: E402

from liandong.triage.train import fit  # noqa: E402


def subsample(
    index: npt.NDArray[np.int64], y: npt.NDArray[np.str_], fraction: float, rng: np.random.Generator
) -> npt.NDArray[np.int64]:
    """A per-class random subsample of index (each class keeps round(fraction * its count), at least 1)."""
    if fraction >= 1:
        return index
    keep: list[int] = []
    for c in np.unique(y[index]):
        of_c = index[y[index] == c]
        keep.extend(rng.choice(of_c, max(1, round(len(of_c) * fraction)), replace=False).tolist())
    return np.asarray(sorted(keep), dtype=np.int64)


def fit_predict(
    texts: Sequence[str],
    y: npt.NDArray[np.str_],
    train: npt.NDArray[np.int64],
    test: Sequence[str],
    stopwords: list[str],
) -> list[str]:
    """Fit on texts[train] and predict the categories of test."""
    model = fit(texts=[texts[i] for i in train], labels=list(y[train]), stopwords=stopwords)
    return [p for p, _ in model.predict_many(list(test))]


def power_law(points: list[tuple[float, float]]) -> tuple[float, float]:
    """(a, b) of error = a * n^-b fitted by least squares on log error against log n."""
    n = np.log([p[0] for p in points])
    err = np.log([1 - p[1] for p in points])
    slope, intercept = np.polyfit(n, err, 1)
    return float(np.exp(intercept)), float(-slope)


def rows_for(target: float, a: float, b: float) -> int | None:
    """Rows the fitted curve needs to reach target macro-F1 (None if the curve does not fall)."""
    return round((a / (1 - target)) ** (1 / b)) if b > 0 else None


def main() -> int:
    """Measure both curves and print one JSON line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--fractions", default="0.125,0.25,0.5,0.75,1")
    ap.add_argument("--target", type=float, default=0.94)
    args = ap.parse_args()
    if not (args.data_dir / "train_segmented.csv").exists():
        print(json.dumps({"error": f"no training data at {args.data_dir}"}))
        return 2
    seeds = [int(s) for s in args.seeds.split(",")]
    fractions = [float(f) for f in args.fractions.split(",")]
    start = time.perf_counter()
    texts, labels, dev, dev_labels, stopwords, _ = training_rows(args.data_dir)
    y = np.asarray(labels)
    every = np.arange(len(y), dtype=np.int64)
    cv: dict[float, list[tuple[int, float]]] = {f: [] for f in fractions}
    on_dev: dict[float, list[tuple[int, float]]] = {f: [] for f in fractions}
    for seed in seeds:
        rng = np.random.default_rng(seed)
        for fraction in fractions:
            preds = np.empty_like(y)
            sizes = []
            for train, test in StratifiedKFold(3, shuffle=True, random_state=seed).split(texts, y):
                kept = subsample(train, y, fraction, rng)
                preds[test] = fit_predict(texts, y, kept, [texts[i] for i in test], stopwords)
                sizes.append(len(kept))
            cv[fraction].append((round(float(np.mean(sizes))), float(f1_score(y, preds, average="macro"))))
            kept = subsample(every, y, fraction, rng)
            pred = fit_predict(texts, y, kept, dev, stopwords)
            on_dev[fraction].append((len(kept), float(f1_score(dev_labels, pred, average="macro"))))
    report: dict[str, object] = {"n_training_rows": len(y), "seeds": seeds, "target": args.target}
    for name, curve in (("cv", cv), ("dev", on_dev)):
        points = [
            (float(np.mean([s for s, _ in v])), float(np.mean([f for _, f in v]))) for v in curve.values()
        ]
        a, b = power_law(points)
        report[f"{name}_points"] = [[round(n), round(f, 4)] for n, f in points]
        report[f"{name}_spread"] = round(
            max(max(f for _, f in v) - min(f for _, f in v) for v in curve.values()), 4
        )
        report[f"{name}_error_exponent"] = round(b, 3)
        report[f"{name}_rows_for_target"] = rows_for(args.target, a, b)
    report["seconds"] = round(time.perf_counter() - start)
    print(json.dumps(report, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
