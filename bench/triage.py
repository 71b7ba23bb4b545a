"""Triage benchmark: prints ONE JSON line of quality and speed figures on ../shared/data.

Figures: category macro-F1/accuracy on teddy2020 dev_raw; share of police/emergency texts routed to an emergency
line (110/119/120/122) by source, on the whole file and on its two halves ("a" was looked at while writing
rules, "b" was not); share of citizen messages kept in 12345 (with --train-side also on the train-side board
messages: train_raw_sample, hot_messages_unlabeled, messages_with_replies, train_segmented, minus any text whose
char-bigram cosine to a dev text exceeds 0.4, by source and by hash halves A and B); single-request p50/p99 (ms,
one thread; wall clock and thread CPU time, since a shared machine inflates wall clock) and batch texts/s (wall
clock and per CPU second). Run: .venv/bin/python bench/triage.py [--train-side] [--missed]
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from sklearn.metrics import accuracy_score, f1_score

from liandong.triage import Platform, Triager
from liandong.triage.enums import EMERGENCY_PLATFORMS

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def rows(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV."""
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def half(text: str) -> str:
    """Deterministic split of the emergency file into halves a and b."""
    return "a" if hashlib.sha256(text.encode()).digest()[0] % 2 == 0 else "b"


def train_side(triager: Triager, dev: list[str]) -> dict[str, float]:
    """Share kept in 12345 of the train-side citizen messages (never dev), by source and by hash half."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    folder = DATA / "teddy2020"
    pool = [("raw", r["text"]) for r in rows(folder / "train_raw_sample.csv")]
    for name, source in (("hot", "hot_messages_unlabeled.csv"), ("rep", "messages_with_replies.csv")):
        pool += [(name, (r["留言主题"] or "") + (r["留言详情"] or "")) for r in rows(folder / source)]
    pool += [
        ("seg", (r["text_segmented"] or "").replace(" ", "")) for r in rows(folder / "train_segmented.csv")
    ]
    unique = list({t.strip(): (s, t) for s, t in pool if t.strip()}.values())
    vec = TfidfVectorizer(analyzer="char", ngram_range=(2, 2)).fit([t for _, t in unique] + dev)
    x, y = vec.transform([t for _, t in unique]), vec.transform(dev).T
    near = [
        float(v)
        for i in range(0, x.shape[0], 2000)
        for v in (x[i : i + 2000] @ y).max(axis=1).toarray().ravel()
    ]
    kept_pool = [(s, t) for (s, t), v in zip(unique, near, strict=True) if v <= 0.4]
    decisions = triager.triage_many([t for _, t in kept_pool])
    kept: dict[str, list[int]] = {}
    for (source, text), d in zip(kept_pool, decisions, strict=True):
        ok = int(d.platform == Platform.HOTLINE_12345)
        hb = "A" if hashlib.sha256(text.encode()).digest()[0] % 2 == 0 else "B"
        for key in ("all", source, f"half_{hb}"):
            kept.setdefault(key, []).append(ok)
    return {f"citizen_kept_12345_train_side_{k}": round(sum(v) / len(v), 4) for k, v in sorted(kept.items())}


def main() -> int:
    """Measure and print one JSON line."""
    dev_path, emg_path = DATA / "teddy2020" / "dev_raw.csv", DATA / "emergency" / "dev_police_emergency.csv"
    if not dev_path.exists() or not emg_path.exists():
        print(json.dumps({"error": f"shared data not found under {DATA}"}))
        return 2
    triager = Triager()
    dev = rows(dev_path)
    texts = [r["text"] for r in dev]
    triager.triage_many(texts[:50])  # warm up jieba and caches
    t0, c0 = time.perf_counter(), time.thread_time()
    decisions = triager.triage_many(texts)
    batch_s, batch_cpu_s = time.perf_counter() - t0, time.thread_time() - c0
    truth = [r["label"] for r in dev]
    pred = [d.category or "" for d in decisions]
    kept = sum(d.platform == Platform.HOTLINE_12345 for d in decisions) / len(decisions)
    lat, cpu = [], []
    for t in texts:
        s, c = time.perf_counter(), time.thread_time()
        triager.triage(t)
        cpu.append((time.thread_time() - c) * 1000)
        lat.append((time.perf_counter() - s) * 1000)
    lat.sort()
    cpu.sort()
    emg = rows(emg_path)
    routed: dict[str, list[int]] = {}
    missed = []
    for r in emg:
        d = triager.triage(r["text"])
        ok = int(d.platform in EMERGENCY_PLATFORMS)
        for key in (r["source"], f"{r['source']}_{half(r['text'])}", "all"):
            routed.setdefault(key, []).append(ok)
        if not ok:
            missed.append(r["text"][:40])
    out = {
        "category_macro_f1_dev": round(float(f1_score(truth, pred, average="macro")), 4),
        "category_accuracy_dev": round(float(accuracy_score(truth, pred)), 4),
        "category_train_cv3_macro_f1": triager.model.meta.get("train_cv3_macro_f1"),
        "citizen_kept_12345_dev": round(kept, 4),
        **{f"emergency_routed_{k}": round(sum(v) / len(v), 4) for k, v in sorted(routed.items())},
        "emergency_missed": len(missed),
        "single_p50_ms": round(lat[len(lat) // 2], 3),
        "single_p99_ms": round(lat[int(len(lat) * 0.99)], 3),
        # CPU time of the calling thread: what one request costs on one core when the machine is shared.
        "single_cpu_p50_ms": round(cpu[len(cpu) // 2], 3),
        "single_cpu_p99_ms": round(cpu[int(len(cpu) * 0.99)], 3),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "batch_texts_per_s": round(len(texts) / batch_s, 1),
        # The same batch per second of the calling thread's CPU time (one core, however loaded the machine).
        "batch_cpu_texts_per_s": round(len(texts) / batch_cpu_s, 1),
        "rules_version": triager.rules.label,
    }
    if "--train-side" in sys.argv:
        out.update(train_side(triager, texts))
    print(json.dumps(out, ensure_ascii=False))
    if "--missed" in sys.argv:
        print("\n".join(missed), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
