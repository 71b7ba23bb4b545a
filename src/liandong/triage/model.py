"""The category model: a linear classifier over character n-grams of the reduced text, saved with joblib."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import numpy.typing as npt
from scipy import sparse

from liandong.triage.features import gram_key, gram_keys, is_feature, reduce_text, stop_pattern
from liandong.triage.normalize import MODEL_MAX_CHARS

# /3: stopwords are deleted after the non-Chinese characters (two passes), and head n-grams ("^" + n-gram)
# count the opening of the text again: /2 features differ.
FORMAT = "liandong.triage.category/3"


class ModelError(ValueError):
    """A model file is missing, unreadable or of the wrong format."""


@dataclass
class CategoryModel:
    """Vocabulary, idf and weights exported from scikit-learn; predicts without scikit-learn's per-call overhead."""

    classes: tuple[str, ...]
    vocabulary: dict[str, int]
    idf: npt.NDArray[np.float32]
    coef: npt.NDArray[np.float32]  # (n_features, n_classes): row lookup per feature is cache friendly
    intercept: npt.NDArray[np.float32]
    meta: dict[str, Any] = field(default_factory=dict)
    stopwords: tuple[str, ...] = ()
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    _keys: npt.NDArray[np.int64] = field(init=False, repr=False, compare=False)
    _key_ids: npt.NDArray[np.int64] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._pattern = stop_pattern(self.stopwords)
        if not all(map(is_feature, self.vocabulary)):
            raise ModelError("features must be 1-3 Chinese characters, optionally marked as head n-grams")
        keys = np.fromiter((gram_key(f) for f in self.vocabulary), dtype=np.int64, count=len(self.vocabulary))
        ids = np.fromiter(self.vocabulary.values(), dtype=np.int64, count=len(self.vocabulary))
        order = np.argsort(keys)
        self._keys, self._key_ids = keys[order], ids[order]

    def reduce(self, text: str) -> str:
        """The reduced text the model reads (Chinese only, stopwords removed, capped)."""
        return reduce_text(text[:MODEL_MAX_CHARS], self._pattern)

    def _ids(self, text: str) -> npt.NDArray[np.int64]:
        # Vectorised lookup of n-gram keys in the sorted vocabulary keys (a dict of 80k strings costs
        # a cache miss per n-gram: ~5x slower).
        keys = gram_keys(self.reduce(text))
        pos = np.searchsorted(self._keys, keys)
        pos[pos == len(self._keys)] = 0
        hit = self._keys[pos] == keys
        return self._key_ids[pos[hit]]

    def _softmax(self, logits: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        logits = logits - logits.max(axis=-1, keepdims=True)
        p = np.exp(logits)
        return np.asarray(p / p.sum(axis=-1, keepdims=True), dtype=np.float64)

    def scores(self, text: str) -> npt.NDArray[np.float64]:
        """Class probabilities for one normalised text (uniform when no known feature occurs)."""
        found = self._ids(text)
        n = len(self.classes)
        if not found.size:
            return np.full(n, 1.0 / n)
        idx, counts = np.unique(found, return_counts=True)
        x = (1.0 + np.log(counts)) * self.idf[idx]
        x /= np.linalg.norm(x)
        return self._softmax(np.asarray(x @ self.coef[idx] + self.intercept, dtype=np.float64))

    def scores_many(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """scores() for many texts as one (n_texts, n_classes) array, in one sparse product."""
        n = len(self.classes)
        if not texts:
            return np.zeros((0, n))
        cols: list[npt.NDArray[np.int64]] = []
        values: list[npt.NDArray[np.int64]] = []
        indptr = [0]
        for text in texts:
            idx, counts = np.unique(self._ids(text), return_counts=True)
            cols.append(idx)
            values.append(counts)
            indptr.append(indptr[-1] + len(idx))
        col = np.concatenate(cols)
        tf = 1.0 + np.log(np.concatenate(values).astype(np.float64))
        m = sparse.csr_matrix(
            (tf * self.idf[col], col, np.asarray(indptr)), shape=(len(texts), len(self.vocabulary))
        )
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        empty = norms == 0
        m = sparse.diags(1.0 / np.where(empty, 1.0, norms)) @ m
        p = self._softmax(np.asarray(m @ self.coef, dtype=np.float64) + self.intercept)
        p[empty] = 1.0 / n
        return p

    def predict(self, text: str) -> tuple[str, float]:
        """Most likely class and its probability."""
        p = self.scores(text)
        i = int(p.argmax())
        return self.classes[i], float(p[i])

    def predict_many(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """predict() over a list, in order, vectorised."""
        p = self.scores_many(texts)
        best = p.argmax(axis=1)
        return [(self.classes[int(i)], float(p[k, i])) for k, i in enumerate(best)]

    def save(self, path: Path | str) -> None:
        """Write the model as a joblib file (plain dicts and arrays: no pickled classes)."""
        payload = {
            "format": FORMAT,
            "classes": list(self.classes),
            "features": sorted(self.vocabulary, key=self.vocabulary.__getitem__),
            "stopwords": list(self.stopwords),
            "idf": self.idf.astype(np.float32),
            "coef": self.coef.astype(np.float16),
            "intercept": self.intercept.astype(np.float32),
            "meta": self.meta,
        }
        joblib.dump(payload, path, compress=("xz", 6))

    @classmethod
    def load(cls, path: Path | str) -> CategoryModel:
        """Read a model written by save(); a clear ModelError otherwise."""
        try:
            payload = joblib.load(path)
        except FileNotFoundError as exc:
            raise ModelError(f"model file not found: {path}") from exc
        except Exception as exc:
            raise ModelError(f"cannot read model file {path}: {exc}") from exc
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            found = payload.get("format") if isinstance(payload, dict) else None
            hint = " (an older format: retrain it with `liandong triage train`)" if found else ""
            raise ModelError(f"{path} is not a {FORMAT} model{hint}")
        features = payload["features"]
        coef = np.asarray(payload["coef"], dtype=np.float32)
        if coef.shape != (len(features), len(payload["classes"])):
            raise ModelError(f"{path}: weight matrix does not match vocabulary")
        return cls(
            classes=tuple(payload["classes"]),
            vocabulary={f: i for i, f in enumerate(features)},
            idf=np.asarray(payload["idf"], dtype=np.float32),
            coef=coef,
            intercept=np.asarray(payload["intercept"], dtype=np.float32),
            meta=dict(payload.get("meta", {})),
            stopwords=tuple(payload.get("stopwords", ())),
        )

    @classmethod
    def default(cls) -> CategoryModel:
        """The model shipped in the package (built by scripts/train_triage.py)."""
        with resources.as_file(resources.files("liandong.triage") / "model" / "default.joblib") as path:
            return cls.load(path)
