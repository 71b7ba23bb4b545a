"""Hybrid knowledge search: BM25 over jieba tokens and CJK bigrams fused with e5 cosine; incremental; persisted.

A query's BM25 score is divided by the smaller of the query's and the entry's own ideal score, so a long message
that covers a short question fully scores high (normalising by the query alone made every long query score near
zero). e5 embeds only the query's head (its cost grows with length); cosines are one numpy pass without BLAS
threads (a threaded BLAS call stalls for milliseconds on a busy machine).
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from liandong.knowledge import index_io
from liandong.knowledge.documents import (
    PUBLISHED,
    SENTENCE,
    EntryDoc,
    EntryId,
    Hit,
    SearchParams,
    case_doc,
    doc_units,
    epoch,
)
from liandong.knowledge.embedding import Embedder, head
from liandong.knowledge.tokenize import normalize, query_tokens, tokenize

FORMAT_VERSION = index_io.FORMAT_VERSION
# The document types live in `documents`; callers may keep importing them from here.
__all__ = [
    "PUBLISHED", "EntryDoc", "EntryId", "Hit", "KnowledgeIndex", "SearchParams", "build_index", "case_doc",
    "doc_units", "similar_cases",
]  # fmt: skip


@lru_cache(maxsize=65_536)
def _unit_terms(text: str) -> frozenset[str]:
    """Tokens of a question or variant, cached: the matched part is chosen for every hit of every search."""
    return frozenset(tokenize(text))


class KnowledgeIndex:
    """In-memory hybrid index; thread-safe; mutations are incremental (no re-embedding of other entries)."""

    def __init__(self, *, embedder: Embedder | None = None, params: SearchParams | None = None) -> None:
        self.embedder = embedder
        self.params = params or SearchParams()
        self._lock = threading.RLock()
        self._docs: list[EntryDoc | None] = []
        self._row_of: dict[EntryId, int] = {}
        self._vocab: dict[str, int] = {}
        self._tf: list[tuple[np.ndarray, np.ndarray]] = []
        self._unit_texts: list[str] = []
        self._unit_row: list[int] = []
        self._unit_vecs: list[np.ndarray] = []
        self._region_masks: dict[str, np.ndarray] = {}
        self._dirty = True
        self._generation = 0  # bumped by every refresh that rebuilt the arrays

    def __len__(self) -> int:
        return len(self._row_of)

    def get(self, entry_id: EntryId) -> EntryDoc | None:
        """The indexed document for an id, or None."""
        row = self._row_of.get(entry_id)
        return None if row is None else self._docs[row]

    def add(self, docs: Iterable[EntryDoc], *, vectors: Mapping[EntryId, np.ndarray] | None = None) -> None:
        """Add or replace entries; only the given entries are tokenised and embedded.

        With `vectors` (entry id -> one row per `doc_units` text, e.g. stored by the worker) nothing is embedded:
        an entry without a fitting matrix there is indexed keyword-only until it is added again with one.
        """
        batch = list(docs)
        if not batch:
            return
        tfs = [self._term_weights(d) for d in batch]
        units = [doc_units(d) for d in batch]
        flat = [u for us in units for u in us]
        if self.embedder is None or not flat:
            vecs = None
        elif vectors is None:
            vecs = self.embedder.embed_passages(flat)
        else:
            vecs = np.vstack(
                [self._given(vectors.get(d.entry_id), len(us)) for d, us in zip(batch, units, strict=True)]
            )
        with self._lock:
            for doc in batch:
                self._drop(doc.entry_id)
            start = len(self._unit_texts)
            for doc, tf, us in zip(batch, tfs, units, strict=True):
                row = len(self._docs)
                self._docs.append(doc)
                self._row_of[doc.entry_id] = row
                ids = np.fromiter(
                    (self._vocab.setdefault(t, len(self._vocab)) for t in tf), np.int32, len(tf)
                )
                self._tf.append((ids, np.fromiter(tf.values(), np.float32, len(tf))))
                self._unit_texts.extend(us)
                self._unit_row.extend([row] * len(us))
            if vecs is not None:
                self._unit_vecs.append(np.asarray(vecs, np.float32))
            elif self.embedder is not None:
                self._unit_vecs.append(
                    np.zeros((len(self._unit_texts) - start, self.embedder.dim), np.float32)
                )
            self._dirty = True

    def _given(self, vecs: np.ndarray | None, n_units: int) -> np.ndarray:
        """Precomputed unit vectors if they fit the entry's units and the embedder, else zeros (keyword-only)."""
        assert self.embedder is not None
        if vecs is not None and vecs.shape == (n_units, self.embedder.dim):
            return np.asarray(vecs, np.float32)
        return np.zeros((n_units, self.embedder.dim), np.float32)

    def remove(self, entry_ids: Iterable[EntryId]) -> int:
        """Drop entries by id (unknown ids are ignored); returns how many were removed."""
        with self._lock:
            n = sum(self._drop(i) for i in entry_ids)
            self._dirty = self._dirty or n > 0
            return n

    def _drop(self, entry_id: EntryId) -> bool:
        """Tombstone a row; its units stay in the matrices until compact()."""
        row = self._row_of.pop(entry_id, None)
        if row is None:
            return False
        self._docs[row] = None
        self._tf[row] = (np.zeros(0, np.int32), np.zeros(0, np.float32))
        return True

    def compact(self) -> None:
        """Rewrite the arrays without removed rows (no re-tokenising or re-embedding)."""
        with self._lock:
            self._refresh()
            keep = [r for r, d in enumerate(self._docs) if d is not None]
            new_row = {old: new for new, old in enumerate(keep)}
            unit_keep = [i for i, r in enumerate(self._unit_row) if r in new_row]
            vecs = self._U[unit_keep] if self._U is not None else None
            self._docs = [self._docs[r] for r in keep]
            self._tf = [self._tf[r] for r in keep]
            self._row_of = {d.entry_id: i for i, d in enumerate(self._docs) if d is not None}
            self._unit_texts = [self._unit_texts[i] for i in unit_keep]
            self._unit_row = [new_row[self._unit_row[i]] for i in unit_keep]
            self._unit_vecs = [] if vecs is None else [vecs]
            self._dirty = True

    def _term_weights(self, doc: EntryDoc) -> dict[str, float]:
        """BM25F-style term frequencies: question and variants count fully, the answer at a lower weight."""
        p = self.params
        counts: Counter[str] = Counter()
        for text in (doc.question, *doc.variants):
            counts.update(tokenize(text))
        weights = {t: float(c) for t, c in counts.items()}
        if p.answer_weight <= 0:
            return weights
        for t, c in Counter(tokenize(str(doc.answer or "")[: p.answer_chars])).items():
            weights[t] = weights.get(t, 0.0) + p.answer_weight * c
        return weights

    def _refresh(self) -> None:
        """Recompute BM25 weights and filter arrays after mutations; O(nnz), no model calls."""
        if not self._dirty:
            return
        p = self.params
        n_rows, n_terms = len(self._docs), max(len(self._vocab), 1)
        indptr = np.zeros(n_rows + 1, np.int64)
        indptr[1:] = np.cumsum([len(ids) for ids, _ in self._tf])
        ind = np.concatenate([ids for ids, _ in self._tf]) if self._tf else np.zeros(0, np.int32)
        tf = np.concatenate([w for _, w in self._tf]) if self._tf else np.zeros(0, np.float32)
        row_of_nz = np.repeat(np.arange(n_rows), np.diff(indptr))
        dl = np.bincount(row_of_nz, weights=tf, minlength=n_rows)
        n_docs = max(len(self._row_of), 1)
        avgdl = float(dl.sum() / n_docs) or 1.0
        df = np.bincount(ind, minlength=n_terms).astype(np.float64)
        self._idf = np.log1p((n_docs - df + 0.5) / (df + 0.5))
        self._idf_unseen = math.log1p((n_docs + 0.5) / 0.5)
        row_dl = dl[row_of_nz]
        data = self._idf[ind] * tf * (p.k1 + 1) / (tf + p.k1 * (1 - p.b + p.b * row_dl / avgdl))
        self._W = sp.csr_matrix((data.astype(np.float32), ind, indptr), shape=(n_rows, n_terms))
        # An entry's ideal score: what a query holding each of its terms once would score against it.
        # Floored at the 5th percentile, so a junk entry of one or two common words cannot cover every query.
        ideal = np.asarray(self._W.sum(axis=1), np.float32).ravel()
        live = ideal[ideal > 0]
        self._row_ideal = np.maximum(ideal, np.percentile(live, 5)) if live.size else ideal
        self._U = np.vstack(self._unit_vecs) if self._unit_vecs else None
        if self._U is not None and len(self._unit_vecs) > 1:
            self._unit_vecs = [self._U]
        self._unit_row_arr = np.asarray(self._unit_row, np.int64)
        # Rows without any non-zero unit vector (not embedded yet) are ranked by their keywords alone.
        self._has_vec = np.zeros(n_rows, bool)
        if self._U is not None and self._U.shape[0]:
            self._has_vec[self._unit_row_arr[np.any(self._U != 0, axis=1)]] = True
        docs = self._docs
        self._alive = np.array([d is not None and d.status == PUBLISHED for d in docs], bool)
        self._vf = np.array([epoch(d.valid_from, -np.inf) if d else np.inf for d in docs], np.float64)
        self._vt = np.array([epoch(d.valid_to, np.inf) if d else -np.inf for d in docs], np.float64)
        self._cat = np.array([d.category if d else None for d in docs], object)
        self._reg = np.array([d.region if d else None for d in docs], object)
        self._region_masks = {}
        self._generation += 1
        self._dirty = False

    def _mask(self, at: datetime | None, region: str | None, category: str | None) -> np.ndarray:
        """Rows that may be served: published, valid at `at`, and in scope of region/category."""
        t = epoch(at or datetime.now(UTC), 0.0)
        mask = self._alive & (self._vf <= t) & (t < self._vt)
        if category is not None:
            mask &= self._cat == category
        if region is not None:
            # An entry without a region applies everywhere; a region code also covers its sub-regions.
            reg_ok = self._region_masks.get(region)
            if reg_ok is None:
                reg_ok = np.array([r is None or str(region).startswith(r) for r in self._reg], bool)
                if len(self._region_masks) >= 512:
                    self._region_masks.clear()
                self._region_masks[region] = reg_ok
            mask &= reg_ok
        return mask

    def servable(self, entry_id: EntryId, *, at: datetime | None = None, region: str | None = None) -> bool:
        """Whether an entry may be served now (published, valid at `at`, in scope of region)."""
        with self._lock:
            row = self._row_of.get(entry_id)
            if row is None:
                return False
            self._refresh()
            return bool(self._mask(at, region, None)[row])

    def search(
        self,
        query: str,
        *,
        k: int = 5,
        at: datetime | None = None,
        region: str | None = None,
        category: str | None = None,
        min_score: float = 0.0,
    ) -> list[Hit]:
        """Best servable entries for a query, best first; never raises on odd input, returns [] instead."""
        p = self.params
        text = normalize(query)[: p.max_query_chars]
        k = max(0, min(int(k), 100))
        if not text.strip() or k == 0:
            return []
        q_tokens = query_tokens(text, word_chars=p.query_word_chars)
        with self._lock:
            self._refresh()
            generation, n_rows = self._generation, len(self._docs)
            if n_rows == 0:
                return []
            bm25n = self._bm25(q_tokens, n_rows)
            allowed = self._mask(at, region, category)
        # The model runs outside the index lock, so a search that needs the e5 pass holds up neither the searches
        # that do not nor the index's edits. An edit in between only means the keyword pass is done again.
        q_vec = None if self._decisive(np.where(allowed, bm25n, 0.0)) else self._embed_query(text)
        with self._lock:
            self._refresh()
            if self._generation != generation:
                n_rows = len(self._docs)
                if n_rows == 0:
                    return []
                bm25n = self._bm25(q_tokens, n_rows)
                allowed = self._mask(at, region, category)
            dense = np.zeros(n_rows, np.float32)
            unit_scores = None
            fused = bm25n
            if q_vec is not None and self._U is not None and self._U.shape[0]:
                unit_scores = np.einsum("ij,j->i", self._U, q_vec)  # 10k x 384: ~1 ms, one thread
                dense = np.full(n_rows, -1.0, np.float32)
                np.maximum.at(dense, self._unit_row_arr, unit_scores)
                dn = np.clip((dense - p.dense_lo) / (p.dense_hi - p.dense_lo), 0.0, 1.0)
                seen = min(1.0, p.query_embed_chars / max(len(text), 1))
                w = p.w_dense_head + (p.w_dense - p.w_dense_head) * seen
                fused = np.where(self._has_vec, (1.0 - w) * bm25n + w * dn, bm25n)
            fused = np.where(allowed, fused, -1.0)
            top = np.argpartition(-fused, min(k, n_rows) - 1)[:k] if n_rows > k else np.arange(n_rows)
            top = top[np.argsort(-fused[top], kind="stable")]
            hits = []
            for row in top:
                if fused[row] <= min_score or fused[row] < 0:
                    continue
                matched = self._matched(int(row), set(q_tokens), unit_scores)
                doc = self._docs[row]
                assert doc is not None  # masked rows are alive
                hits.append(
                    Hit(doc.entry_id, float(fused[row]), float(bm25n[row]), float(dense[row]), matched)
                )
            return hits

    def _decisive(self, bm25n: np.ndarray) -> bool:
        """Whether the keyword scores alone settle the ranking (a clear winner)."""
        p = self.params
        if bm25n.size == 0:
            return False
        top2 = -np.partition(-bm25n, 1)[:2] if bm25n.size > 1 else np.array([bm25n[0], 0.0])
        return bool(top2[0] >= p.decisive_bm25 and top2[0] - top2[1] >= p.decisive_margin)

    def _embed_query(self, text: str) -> np.ndarray | None:
        """The e5 vector of the query's head (the embedder caches repeated heads), or None without a model."""
        snippet = head(text, self.params.query_embed_chars)
        if self.embedder is None or not snippet.strip():
            return None
        return np.asarray(self.embedder.embed_queries([snippet])[0], np.float32)

    def _bm25(self, q_tokens: list[str], n_rows: int) -> np.ndarray:
        """BM25 per row in [0, 1]: raw score over the smaller of the query's and the row's ideal score."""
        k3 = self.params.k3
        ids, weights, ideal = [], [], 0.0
        for term, n in Counter(q_tokens).items():
            w = n * (k3 + 1) / (n + k3)
            col = self._vocab.get(term)
            if col is None:
                ideal += w * self._idf_unseen
            else:
                ids.append(col)
                weights.append(w)
                ideal += w * float(self._idf[col])
        if not ids or ideal <= 0:
            return np.zeros(n_rows, np.float32)
        qv = np.zeros(self._W.shape[1], np.float32)
        qv[ids] = weights
        raw = np.asarray(self._W @ qv, np.float32)
        denom = np.minimum(self._row_ideal, np.float32(ideal))
        return np.minimum(np.divide(raw, denom, out=np.zeros_like(raw), where=denom > 0), 1.0)

    def _matched(self, row: int, q_terms: set[str], unit_scores: np.ndarray | None) -> str:
        """The question/variant (or answer sentence) of a row closest to the query."""
        idx = np.flatnonzero(self._unit_row_arr == row).tolist()
        best, best_score = "", -math.inf
        for i in idx:
            toks = _unit_terms(self._unit_texts[i])
            overlap = len(toks & q_terms) / max(len(q_terms), 1)
            score = overlap + (float(unit_scores[i]) if unit_scores is not None else 0.0)
            if score > best_score:
                best, best_score = self._unit_texts[i], score
        doc = self._docs[row]
        if unit_scores is None and doc is not None and best_score <= 0 and q_terms:
            # Nothing in the question matched: show the answer sentence that explains the BM25 hit.
            for sent in SENTENCE.findall(str(doc.answer or "")[: self.params.answer_chars]):
                overlap = len(set(tokenize(sent)) & q_terms)
                if overlap > best_score:
                    best, best_score = sent.strip(), overlap
        return best

    def save(self, path: str | Path) -> None:
        """Write `<path>.npz` (arrays, e5 vectors) and `<path>.json` (vocabulary, entries): no re-embedding."""
        with self._lock:
            index_io.save(self, path)

    @classmethod
    def load(cls, path: str | Path, *, embedder: Embedder | None = None) -> KnowledgeIndex:
        """Read an index written by save(); raises ValueError on a missing, corrupt or mismatched file."""
        return index_io.load(cls, path, embedder)


def similar_cases(index: KnowledgeIndex, text: str, *, k: int = 5, region: str | None = None) -> list[Hit]:
    """Past requests most like `text` (an index built from `case_doc`s); outcomes via index.get(id).meta."""
    return index.search(text, k=k, region=region)


def build_index(
    docs: Sequence[EntryDoc], *, embedder: Embedder | None = None, params: SearchParams | None = None
) -> KnowledgeIndex:
    """Convenience: a new index holding `docs`."""
    index = KnowledgeIndex(embedder=embedder, params=params)
    index.add(docs)
    return index
