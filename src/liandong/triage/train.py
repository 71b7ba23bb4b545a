"""Training the category model from labelled texts (the default model and a deployment's own history)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from liandong.triage.features import ngrams, reduce_text, stop_pattern
from liandong.triage.model import CategoryModel
from liandong.triage.normalize import MODEL_MAX_CHARS, normalize

DEFAULT_C = 1.0
DEFAULT_MAX_FEATURES = 80_000
# Candidate softmax scales for the ensemble margins; the one with the lowest cross-validated log-loss is kept.
_SCALES = (1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0)
_FALLBACK_SCALE = 3.0
# Laplace smoothing of the naive-Bayes log-count ratios (NB-SVM, Wang & Manning 2012).
_NB_ALPHA = 1.0


class TrainingError(ValueError):
    """The training data cannot produce a model."""


def prepare(texts: Sequence[str], *, pretokenized: bool = False) -> list[str]:
    """Texts ready for fit(): raw ones normalised; pre-segmented ones kept (reduction drops the spaces)."""
    if pretokenized:
        return [str(t) for t in texts]
    return [normalize(str(t))[:MODEL_MAX_CHARS] for t in texts]


def _svm(c: float) -> LinearSVC:
    # Balanced weights: the small classes (交通运输, 卫生计生) otherwise lose recall to 城乡建设.
    return LinearSVC(C=c, class_weight="balanced", random_state=0)


Linear = tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]  # weights (n_classes, n_features), bias


def _nbsvm(x: sparse.csr_matrix, y: npt.NDArray[np.str_], c: float, classes: list[str]) -> Linear:
    """One-vs-rest SVMs on features scaled by each class's naive-Bayes log-count ratio, folded back."""
    present = sparse.csr_matrix(x, copy=True)
    present.data[:] = 1.0
    weights, bias = [], []
    for k in classes:
        pos = y == k
        p = _NB_ALPHA + np.asarray(present[pos].sum(axis=0)).ravel()
        q = _NB_ALPHA + np.asarray(present[~pos].sum(axis=0)).ravel()
        r = np.log((p / p.sum()) / (q / q.sum()))
        clf = _svm(c).fit(sparse.csr_matrix(x.multiply(r)), pos.astype(np.int64))
        weights.append(clf.coef_.ravel() * r)
        bias.append(float(clf.intercept_[0]))
    return np.vstack(weights), np.asarray(bias)


def _ensemble(x: sparse.csr_matrix, y: npt.NDArray[np.str_], c: float, classes: list[str]) -> Linear:
    """A linear SVM and an NB-SVM, each margin divided by its spread on the training rows, summed.

    Both parts are linear in the features, so the sum is one linear model: prediction costs the same as one.
    """
    svm = _svm(c).fit(x, y)
    if list(svm.classes_) != classes:
        raise TrainingError("a training fold lacks a class")
    w1, b1 = svm.coef_.astype(np.float64), svm.intercept_.astype(np.float64)
    if w1.shape[0] == 1:
        # Binary SVM keeps one weight row; split it so both classes get a row.
        w1, b1 = np.vstack([-w1 / 2, w1 / 2]), np.array([-b1[0] / 2, b1[0] / 2])
    w2, b2 = _nbsvm(x, y, c, classes)
    s1 = float(np.std(np.asarray(x @ w1.T) + b1)) or 1.0
    s2 = float(np.std(np.asarray(x @ w2.T) + b2)) or 1.0
    return w1 / s1 + w2 / s2, b1 / s1 + b2 / s2


def _log_loss(margins: npt.NDArray[np.float64], y_idx: npt.NDArray[np.int64], scale: float) -> float:
    z = margins * scale
    z = z - z.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(y_idx)), y_idx].mean())


def _scale(x: sparse.csr_matrix, y: npt.NDArray[np.str_], c: float, classes: list[str]) -> float:
    """Softmax scale turning ensemble margins into probabilities, chosen by 3-fold CV log-loss on the training rows."""
    _, counts = np.unique(y, return_counts=True)
    if len(classes) < 3 or counts.min() < 3:
        return _FALLBACK_SCALE
    margins = np.zeros((len(y), len(classes)))
    for tr, te in StratifiedKFold(3, shuffle=True, random_state=0).split(x, y):
        try:
            w, b = _ensemble(x[tr], y[tr], c, classes)
        except TrainingError:
            return _FALLBACK_SCALE
        margins[te] = np.asarray(x[te] @ w.T) + b
    y_idx = np.searchsorted(np.asarray(classes), y)
    return min(_SCALES, key=lambda s: _log_loss(margins, y_idx, s))


def fit(
    *,
    texts: Sequence[str],
    labels: Sequence[str],
    stopwords: Sequence[str] = (),
    c: float = DEFAULT_C,
    max_features: int = DEFAULT_MAX_FEATURES,
    meta: dict[str, Any] | None = None,
) -> CategoryModel:
    """Fit TF-IDF char n-grams + SVM/NB-SVM ensemble, keep the most useful features, refit, calibrate."""
    if len(texts) != len(labels):
        raise TrainingError("texts and labels differ in length")
    classes = sorted(set(labels))
    if len(classes) < 2:
        raise TrainingError("need at least two classes")
    counts = {k: list(labels).count(k) for k in classes}
    if min(counts.values()) < 2:
        raise TrainingError(f"every class needs at least 2 examples: {counts}")
    pattern = stop_pattern(stopwords)
    reduced = [reduce_text(t, pattern) for t in texts]
    if not any(reduced):
        raise TrainingError("no text holds a Chinese character")
    y = np.asarray(labels)
    options: dict[str, Any] = {
        "analyzer": ngrams,
        "lowercase": False,
        "sublinear_tf": True,
        "dtype": np.float32,
    }
    vec = TfidfVectorizer(min_df=2 if len(texts) >= 50 else 1, **options)
    x = vec.fit_transform(reduced)
    w, _ = _ensemble(x, y, c, classes)
    # Keep the features with the largest weight for any class: the file stays small, the model as good.
    strength = np.abs(w).max(axis=0)
    keep = np.sort(np.argsort(-strength)[:max_features])
    names = vec.get_feature_names_out()[keep]
    vec2 = TfidfVectorizer(vocabulary=list(names), **options)
    x2 = vec2.fit_transform(reduced)
    w2, b2 = _ensemble(x2, y, c, classes)
    scale = _scale(x2, y, c, classes)
    return CategoryModel(
        classes=tuple(classes),
        vocabulary={str(n): i for i, n in enumerate(names)},
        idf=vec2.idf_.astype(np.float32),
        coef=(w2 * scale).T.astype(np.float32).copy(),
        intercept=(b2 * scale).astype(np.float32),
        stopwords=tuple(stopwords),
        meta={
            **(meta or {}),
            "c": c,
            "learner": "LinearSVC + NB-SVM ensemble (balanced, one linear model)",
            "softmax_scale": scale,
            "n_features": len(names),
            "n_train": len(labels),
            "class_counts": counts,
        },
    )


def derive_stopwords(*, raw: Sequence[str], segmented: Sequence[str], min_docs: int = 3) -> list[str]:
    """Words the segmented data's preprocessing removed: jieba words of raw texts never seen in it."""
    from liandong.triage.segment import words  # jieba is needed only here, at training time

    vocab = {w for t in segmented for w in str(t).split()}
    docs: dict[str, int] = {}
    chinese = re.compile(r"[\u4e00-\u9fff]{1,4}")
    for text in raw:
        for w in set(words(normalize(str(text)))):
            if w not in vocab and chinese.fullmatch(w):
                docs[w] = docs.get(w, 0) + 1
    return sorted(w for w, n in docs.items() if n >= min_docs)
