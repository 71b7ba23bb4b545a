"""Training the category model from labelled texts (the default model and a deployment's own history)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from liandong.triage.features import analyze, tokenize
from liandong.triage.model import CategoryModel
from liandong.triage.normalize import MODEL_MAX_CHARS, normalize


class TrainingError(ValueError):
    """The training data cannot produce a model."""


def _identity(tokens: list[str]) -> list[str]:
    return analyze(tokens)


def prepare(texts: Sequence[str], *, pretokenized: bool = False) -> list[list[str]]:
    """Token lists: raw texts are normalised and segmented; pre-segmented ones are split on spaces."""
    if pretokenized:
        return [str(t).split() for t in texts]
    return [tokenize(normalize(str(t))[:MODEL_MAX_CHARS]) for t in texts]


def fit(
    *,
    tokens: Sequence[list[str]],
    labels: Sequence[str],
    c: float = 20.0,
    max_features: int = 60_000,
    meta: dict[str, Any] | None = None,
) -> CategoryModel:
    """Fit TF-IDF + multinomial logistic regression, keep the most useful features, refit, export."""
    if len(tokens) != len(labels):
        raise TrainingError("texts and labels differ in length")
    classes = sorted(set(labels))
    if len(classes) < 2:
        raise TrainingError("need at least two classes")
    counts = {k: list(labels).count(k) for k in classes}
    if min(counts.values()) < 2:
        raise TrainingError(f"every class needs at least 2 examples: {counts}")
    y = np.asarray(labels)
    vec = TfidfVectorizer(analyzer=_identity, lowercase=False, sublinear_tf=True, min_df=2, dtype=np.float32)
    x = vec.fit_transform(tokens)
    clf = LogisticRegression(C=c, max_iter=3000)
    clf.fit(x, y)
    # Keep the features with the largest weight for any class: the file stays small, the model as good.
    strength = np.abs(clf.coef_).max(axis=0)
    keep = np.sort(np.argsort(-strength)[:max_features])
    names = vec.get_feature_names_out()[keep]
    vec2 = TfidfVectorizer(
        analyzer=_identity, lowercase=False, sublinear_tf=True, vocabulary=list(names), dtype=np.float32
    )
    x2 = vec2.fit_transform(tokens)
    # Refit idf on the full data with the kept vocabulary, then the classifier on it.
    clf2 = LogisticRegression(C=c, max_iter=3000)
    clf2.fit(x2, y)
    coef, intercept = clf2.coef_, clf2.intercept_
    if coef.shape[0] == 1:
        # Binary LR keeps one weight row; split it so softmax over two rows gives the same sigmoid.
        coef = np.vstack([-coef / 2, coef / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    return CategoryModel(
        classes=tuple(str(k) for k in clf2.classes_),
        vocabulary={str(n): i for i, n in enumerate(names)},
        idf=vec2.idf_.astype(np.float32),
        coef=coef.T.astype(np.float32).copy(),
        intercept=intercept.astype(np.float32),
        meta={
            **(meta or {}),
            "c": c,
            "n_features": len(names),
            "n_train": len(labels),
            "class_counts": counts,
        },
    )
