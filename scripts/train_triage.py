"""Rebuild the default category model from ../shared/data/teddy2020 (the data itself is never committed).

Clean split: dev_raw.csv is never trained on nor used to choose settings, and training rows that are
near-duplicates of a dev row (TF-IDF cosine > 0.8: citizens re-post the same message) are dropped first.
The stopwords the segmented data lost are derived from the training side only (train_raw_sample vs
train_segmented), so prediction on raw text can reduce it the same way.
Usage: .venv/bin/python scripts/train_triage.py [--data-dir ../shared/data/teddy2020] [--cv] [--output PATH]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import NamedTuple

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold

from liandong.triage.features import reduce_text, stop_pattern
from liandong.triage.train import DEFAULT_C, DEFAULT_MAX_FEATURES, derive_stopwords, fit, prepare

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "teddy2020"
DEFAULT_OUT = ROOT / "src" / "liandong" / "triage" / "model" / "default.joblib"


def read(path: Path, text_col: str) -> tuple[list[str], list[str]]:
    """Texts and labels of one CSV."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [r[text_col] or "" for r in rows], [r["label"] for r in rows]


def near_duplicates(train: list[str], dev: list[str], threshold: float = 0.8) -> np.ndarray:
    """Mask of training rows whose char-bigram cosine similarity to some dev row exceeds threshold."""
    vec = TfidfVectorizer(analyzer="char", ngram_range=(2, 2)).fit(train + dev)
    sim = (vec.transform(train) @ vec.transform(dev).T).max(axis=1).toarray().ravel()
    return np.asarray(sim > threshold)


class Rows(NamedTuple):
    """The clean split: training rows (twins of dev rows dropped), dev rows, derived stopwords."""

    texts: list[str]
    labels: list[str]
    dev: list[str]
    dev_labels: list[str]
    stopwords: list[str]
    dropped: int


def training_rows(data_dir: Path) -> Rows:
    """Training and dev rows as the default model is built from them (bench/triage_curve.py reuses this)."""
    seg_texts, seg_labels = read(data_dir / "train_segmented.csv", "text_segmented")
    raw_texts, raw_labels = read(data_dir / "train_raw_sample.csv", "text")
    dev_texts, dev_labels = read(data_dir / "dev_raw.csv", "text")
    stopwords = derive_stopwords(raw=raw_texts, segmented=seg_texts)
    texts = prepare(seg_texts, pretokenized=True) + prepare(raw_texts)
    labels = seg_labels + raw_labels
    dev = prepare(dev_texts)
    pattern = stop_pattern(stopwords)
    dup = near_duplicates([reduce_text(t, pattern) for t in texts], [reduce_text(t, pattern) for t in dev])
    return Rows(
        texts=[t for t, d in zip(texts, dup, strict=True) if not d],
        labels=[y for y, d in zip(labels, dup, strict=True) if not d],
        dev=dev,
        dev_labels=dev_labels,
        stopwords=stopwords,
        dropped=int(dup.sum()),
    )


def main() -> int:
    """Train, report train-CV and dev figures as JSON, save the model."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--output", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--cv", action="store_true", help="also report 3-fold CV on the training data")
    ap.add_argument("--c", type=float, default=DEFAULT_C)
    ap.add_argument("--max-features", type=int, default=DEFAULT_MAX_FEATURES)
    args = ap.parse_args()
    if not (args.data_dir / "train_segmented.csv").exists():
        print(f"no training data at {args.data_dir}", file=sys.stderr)
        return 2
    texts, labels, dev, dev_labels, stopwords, dropped = training_rows(args.data_dir)
    report: dict[str, object] = {
        "n_train": len(labels),
        "dropped_near_dev_duplicates": dropped,
        "n_stopwords": len(stopwords),
    }
    if args.cv:
        y = np.asarray(labels)
        preds = np.empty_like(y)
        for tr, te in StratifiedKFold(3, shuffle=True, random_state=0).split(texts, y):
            m = fit(
                texts=[texts[i] for i in tr],
                labels=list(y[tr]),
                stopwords=stopwords,
                c=args.c,
                max_features=args.max_features,
            )
            preds[te] = [m.predict(texts[i])[0] for i in te]
        report["train_cv3_macro_f1"] = round(float(f1_score(y, preds, average="macro")), 4)
    model = fit(
        texts=texts,
        labels=labels,
        stopwords=stopwords,
        c=args.c,
        max_features=args.max_features,
        meta={
            "version": "teddy2020.3",
            "source": "teddy2020 train_segmented + train_raw_sample (dev_raw held out)",
        },
    )
    pred = [p for p, _ in model.predict_many(dev)]
    report["dev_macro_f1"] = round(float(f1_score(dev_labels, pred, average="macro")), 4)
    report["dev_accuracy"] = round(float(accuracy_score(dev_labels, pred)), 4)
    model.meta.update({k: v for k, v in report.items() if k.startswith(("dev_", "train_"))})
    args.output.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.output)
    report["model_bytes"] = args.output.stat().st_size
    report["softmax_scale"] = model.meta["softmax_scale"]
    print(json.dumps(report, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
