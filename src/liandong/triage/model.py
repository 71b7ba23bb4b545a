"""The category model: a compact multinomial logistic regression over TF-IDF features, saved with joblib."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import numpy.typing as npt

from liandong.triage.features import analyze, tokenize
from liandong.triage.normalize import MODEL_MAX_CHARS

FORMAT = "liandong.triage.category/1"


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

    def scores(self, text: str) -> npt.NDArray[np.float64]:
        """Class probabilities for one normalised text (uniform when no known feature occurs)."""
        vocab = self.vocabulary
        found = np.fromiter(
            (i for i in map(vocab.get, analyze(tokenize(text[:MODEL_MAX_CHARS]))) if i is not None),
            dtype=np.int64,
        )
        n = len(self.classes)
        if found.size == 0:
            return np.full(n, 1.0 / n)
        idx, counts = np.unique(found, return_counts=True)
        tf = 1.0 + np.log(counts)
        x = tf * self.idf[idx]
        x /= np.linalg.norm(x)
        logits = x @ self.coef[idx] + self.intercept
        logits -= logits.max()
        p = np.exp(logits)
        return np.asarray(p / p.sum(), dtype=np.float64)

    def predict(self, text: str) -> tuple[str, float]:
        """Most likely class and its probability."""
        p = self.scores(text)
        i = int(p.argmax())
        return self.classes[i], float(p[i])

    def predict_many(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """predict() over a list, in order."""
        return [self.predict(t) for t in texts]

    def save(self, path: Path | str) -> None:
        """Write the model as a joblib file (plain dicts and arrays: no pickled classes)."""
        payload = {
            "format": FORMAT,
            "classes": list(self.classes),
            "features": sorted(self.vocabulary, key=self.vocabulary.__getitem__),
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
            raise ModelError(f"{path} is not a {FORMAT} model")
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
        )

    @classmethod
    def default(cls) -> CategoryModel:
        """The model shipped in the package (built by scripts/train_triage.py)."""
        with resources.as_file(resources.files("liandong.triage") / "model" / "default.joblib") as path:
            return cls.load(path)
