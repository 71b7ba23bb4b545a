"""FAQ mining: cluster consultation requests, rank by volume, label them, propose new or updated entries."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import numpy as np
from sklearn.cluster import AgglomerativeClustering, MiniBatchKMeans

from liandong.knowledge.embedding import Embedder, head
from liandong.knowledge.search import EntryId, KnowledgeIndex
from liandong.knowledge.tokenize import tokenize

# Agglomerative clustering keeps an n x n distance matrix; past this many texts pre-cluster with k-means.
MAX_DIRECT = 3000
_FIRST_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?]?")


class ProposalKind(StrEnum):
    """What the department is asked to do."""

    NEW = "new"
    UPDATE = "update"


@dataclass(frozen=True, slots=True)
class ConsultText:
    """A consultation (咨询) request as the miner sees it."""

    item_id: Hashable
    text: str
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Proposal:
    """A new entry (question from the cluster medoid) or an update of the entry the cluster matches."""

    kind: ProposalKind
    question: str
    entry_id: EntryId | None = None
    similarity: float = 0.0


@dataclass(frozen=True, slots=True)
class FaqCluster:
    """One high-frequency question: volume, keywords, examples (medoid first) and the proposal."""

    size: int
    keywords: tuple[str, ...]
    examples: tuple[ConsultText, ...]
    proposal: Proposal


def _in_period(item: ConsultText, since: datetime | None, until: datetime | None) -> bool:
    """Whether an item falls in [since, until); items without a time are kept only for an open period."""
    if since is None and until is None:
        return True
    if item.created_at is None:
        return False

    def aware(d: datetime) -> datetime:
        return d if d.tzinfo is not None else d.replace(tzinfo=UTC)

    t = aware(item.created_at)
    return (since is None or t >= aware(since)) and (until is None or t < aware(until))


def _labels(vectors: np.ndarray, distance_threshold: float) -> np.ndarray:
    """Cluster labels by average-linkage cosine; large inputs are first reduced to k-means centroids."""
    n = vectors.shape[0]
    if n == 1:
        return np.zeros(1, np.int64)
    if n <= MAX_DIRECT:
        model = AgglomerativeClustering(
            n_clusters=None, metric="cosine", linkage="average", distance_threshold=distance_threshold
        )
        return np.asarray(model.fit_predict(vectors), np.int64)
    k = max(MAX_DIRECT // 2, n // 10)
    km = MiniBatchKMeans(n_clusters=k, random_state=0, n_init=1, batch_size=2048).fit(vectors)
    centroids = km.cluster_centers_ / np.maximum(
        np.linalg.norm(km.cluster_centers_, axis=1, keepdims=True), 1e-9
    )
    return _labels(centroids, distance_threshold)[km.labels_]


def _keywords(members: list[list[str]], doc_freq: Counter[str], n_clusters: int, top: int) -> tuple[str, ...]:
    """Class-based TF-IDF: frequent in this cluster, rare across clusters."""
    tf: Counter[str] = Counter()
    for toks in members:
        tf.update(set(toks))
    scored = {t: c * math.log(1 + n_clusters / doc_freq[t]) for t, c in tf.items()}
    return tuple(t for t, _ in sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:top])


def _question_of(text: str) -> str:
    """A question-like headline from a request: its first sentence, trimmed."""
    body = " ".join(text.split())
    first = _FIRST_SENTENCE.findall(body)
    return (first[0] if first else body)[:40].strip()


def mine_faq(
    *,
    items: Sequence[ConsultText],
    embedder: Embedder,
    index: KnowledgeIndex | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    distance_threshold: float = 0.11,
    min_size: int = 3,
    top_n: int = 20,
    max_examples: int = 5,
    update_score: float = 0.6,
) -> list[FaqCluster]:
    """High-frequency questions of a period, biggest first, each with a new-entry or update proposal."""
    chosen = [it for it in items if _in_period(it, since, until) and head(it.text).strip()]
    if len(chosen) < max(min_size, 1):
        return []
    vectors = embedder.embed_queries([it.text for it in chosen])
    labels = _labels(vectors, distance_threshold)
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels.tolist()):
        groups.setdefault(label, []).append(i)
    big = sorted((g for g in groups.values() if len(g) >= min_size), key=lambda g: (-len(g), g[0]))[:top_n]
    # Whole words only (no search-mode sub-words, bigrams or single characters) make readable labels.
    tokens = [
        [t for t in tokenize(it.text, max_chars=300, search_mode=False, bigrams=False) if len(t) > 1]
        for it in chosen
    ]
    doc_freq: Counter[str] = Counter()
    for g in groups.values():
        doc_freq.update({t for i in g for t in tokens[i]})
    out = []
    for g in big:
        vecs = vectors[g]
        centroid = vecs.mean(axis=0)
        order = np.argsort(-(vecs @ centroid), kind="stable")
        members = [chosen[g[i]] for i in order]
        medoid = members[0]
        out.append(
            FaqCluster(
                size=len(g),
                keywords=_keywords([tokens[i] for i in g], doc_freq, len(groups), top=5),
                examples=tuple(members[:max_examples]),
                proposal=_propose(medoid.text, index, update_score),
            )
        )
    return out


def _propose(text: str, index: KnowledgeIndex | None, update_score: float) -> Proposal:
    """Update the best-matching served entry when it matches well enough, else propose a new entry."""
    question = _question_of(text)
    if index is not None:
        hits = index.search(question, k=1)
        if hits and hits[0].score >= update_score:
            return Proposal(ProposalKind.UPDATE, question, hits[0].entry_id, hits[0].score)
    return Proposal(ProposalKind.NEW, question)
