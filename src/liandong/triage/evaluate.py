"""Evaluation figures: accuracy, macro-F1, per-class precision/recall/F1 and a confusion matrix."""

from collections.abc import Sequence
from typing import Any

from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from liandong.triage.enums import Platform

PLATFORM_LABELS = frozenset(p.value for p in Platform)


def looks_like_platforms(labels: Sequence[str]) -> bool:
    """True when every label is a platform name (12345, 110, ...), so the platform is evaluated."""
    return bool(labels) and all(str(label) in PLATFORM_LABELS for label in labels)


def report(*, truth: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    """All figures as plain JSON types."""
    labels = sorted(set(truth) | set(predicted))
    p, r, f, s = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0)
    matrix = confusion_matrix(truth, predicted, labels=labels)
    return {
        "n": len(truth),
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
        "macro_f1": round(float(f1_score(truth, predicted, labels=sorted(set(truth)), average="macro")), 4),
        "per_class": {
            lab: {
                "precision": round(float(p[i]), 4),
                "recall": round(float(r[i]), 4),
                "f1": round(float(f[i]), 4),
                "support": int(s[i]),
            }
            for i, lab in enumerate(labels)
        },
        "labels": labels,
        "confusion": matrix.tolist(),
    }


def format_report(figures: dict[str, Any]) -> str:
    """A plain-text rendering for the terminal."""
    lines = [f"n={figures['n']}  accuracy={figures['accuracy']:.4f}  macro-F1={figures['macro_f1']:.4f}", ""]
    lines.append(f"{'class':<16}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}")
    for lab, v in figures["per_class"].items():
        lines.append(f"{lab:<16}{v['precision']:>10.4f}{v['recall']:>10.4f}{v['f1']:>10.4f}{v['support']:>9}")
    lines += ["", "confusion (rows = truth, columns = predicted):"]
    labels = figures["labels"]
    lines.append(" " * 16 + "".join(f"{i:>6}" for i in range(len(labels))))
    for i, (lab, row) in enumerate(zip(labels, figures["confusion"], strict=True)):
        lines.append(f"{i:>2} {lab:<13}" + "".join(f"{v:>6}" for v in row))
    return "\n".join(lines)
