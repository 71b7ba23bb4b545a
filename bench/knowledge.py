"""Knowledge retrieval bench on teddy2020 replies: hit@1/@5, p50/p99 ms over 10,000 entries, one JSON line.

KB: each message with an official reply is an entry (question = 留言主题, answer = 答复意见). The query is the
citizen's message (留言详情, salutation stripped), never its title: what the citizen writes and what the seat's
recommendation searches with. `--query-chars 40` keeps only the first sentences instead (an opening that is often
only a salutation or background, kept as a secondary figure). The KB is padded to 10,000 entries with other
teddy2020 messages (titles of hot_messages_unlabeled.csv, heads of dev/train texts) as distractors; a distractor
that is a copy of a target message is dropped (it is a second right answer, not a distractor), and a target
posted twice under two titles accepts either entry. Answers are not indexed (answer_weight 0): only the
2,732 targets have one, so indexing them would favour targets over distractors, and the replies restate the
message. Search otherwise runs with the production defaults (SearchParams(), E5Embedder()).
`--startup` measures instead how long a process takes to build the entry index from a database holding the
entries and their stored vectors (knowledge_embeddings), against the worker's one-off embedding of them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

from liandong.knowledge.embedding import E5Embedder, head
from liandong.knowledge.search import EntryDoc, KnowledgeIndex, SearchParams

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "teddy2020"
SALUTATION = re.compile(r"^(尊敬的[^：:，,。！!]{0,12}[：:，,！!]?\s*)?(您好|你们好|你好)?[！!，,。：:]?\s*")
SENTENCE = re.compile(r"[^。！？!?；;]+[。！？!?；;]?")


class CachedEmbedder:
    """The e5 embedder plus an on-disk cache of passage vectors, so reruns skip embedding 10k entries."""

    def __init__(self, inner: E5Embedder, cache: Path | None) -> None:
        self.inner, self.cache, self.dim = inner, cache, inner.dim
        self.store: dict[str, np.ndarray] = {}
        self.query_ms: list[float] = []
        self.model_id = inner.model_id  # the stored vectors of --startup are tagged with the real model
        self.passages_requested = self.passages_embedded = 0
        if cache is not None and cache.exists():
            with np.load(cache) as z:
                self.store = dict(zip(z["keys"].tolist(), z["vecs"], strict=True))

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        t = time.perf_counter()
        out = self.inner.embed_queries(texts)
        self.query_ms.append((time.perf_counter() - t) * 1000)
        return out

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        keys = [hashlib.sha1(head(t, self.inner.max_chars).encode()).hexdigest() for t in texts]
        todo = [i for i, k in enumerate(keys) if k not in self.store]
        self.passages_requested += len(texts)
        self.passages_embedded += len(todo)
        for start in range(0, len(todo), 256):
            chunk = todo[start : start + 256]
            for i, v in zip(chunk, self.inner.embed_passages([texts[i] for i in chunk]), strict=True):
                self.store[keys[i]] = v
        if todo and self.cache is not None:
            np.savez(self.cache, keys=np.array(list(self.store)), vecs=np.stack(list(self.store.values())))
        return np.stack([self.store[k] for k in keys]) if keys else np.zeros((0, self.dim), np.float32)


CJK_ONLY = re.compile(r"[^\u4e00-\u9fff]+")
# A text sharing this share of its CJK bigrams with one target message is a copy of that message (measured on
# the pools: copies score 0.75-1.0, different messages about the same place or topic 0.6-0.7).
SAME_MESSAGE = 0.75


def bigrams(text: str, limit: int = 200) -> set[str]:
    """CJK character bigrams of the first `limit` CJK characters (punctuation, digits and letters ignored)."""
    s = CJK_ONLY.sub("", str(text))[:limit]
    return {s[i : i + 2] for i in range(len(s) - 1)}


class MessageMatcher:
    """Which target message a text was copied from, by bigram containment over an inverted index."""

    def __init__(self, messages: list[str]) -> None:
        self.sizes = [len(bigrams(m)) for m in messages]
        self.postings: dict[str, list[int]] = {}
        for i, m in enumerate(messages):
            for g in bigrams(m):
                self.postings.setdefault(g, []).append(i)

    def copies(self, text: str, *, jaccard: bool = False) -> set[int]:
        """Targets this text is a copy of (containment of the text's bigrams, or Jaccard when asked)."""
        grams = bigrams(text)
        counts: dict[int, int] = {}
        for g in grams:
            for i in self.postings.get(g, ()):
                counts[i] = counts.get(i, 0) + 1
        out = set()
        for i, n in counts.items():
            denom = len(grams) + self.sizes[i] - n if jaccard else len(grams)
            if n / max(denom, 1) >= SAME_MESSAGE:
                out.add(i)
        return out


def message_query(body: str, max_chars: int) -> str:
    """The citizen's message without the salutation; max_chars > 0 keeps only its first sentences."""
    text = SALUTATION.sub("", " ".join(str(body).split()))
    if max_chars <= 0:
        return text
    out = ""
    for sent in SENTENCE.findall(text):
        if len(out) >= max_chars * 0.6:
            break
        out += sent
    return out[:max_chars]


def load(
    n_total: int, query_chars: int
) -> tuple[list[EntryDoc], list[tuple[str, frozenset[int]]], dict[str, int]]:
    """KB docs (targets first, then distractors), (query, accepted entry ids) pairs and data-cleaning counts."""
    import pandas as pd

    rep = (
        pd.read_csv(DATA / "messages_with_replies.csv")
        .drop_duplicates("留言主题")
        .drop_duplicates("留言详情")
    )
    titles, bodies = [str(t) for t in rep["留言主题"]], [str(b) for b in rep["留言详情"]]
    docs = [
        EntryDoc(entry_id=i, question=t, answer=str(a))
        for i, (t, a) in enumerate(zip(titles, rep["答复意见"], strict=True))
    ]
    matcher = MessageMatcher([f"{t}{b}" for t, b in zip(titles, bodies, strict=True)])
    body_matcher = MessageMatcher(bodies)
    queries, alternates = [], 0
    for i, body in enumerate(bodies):
        q = message_query(body, query_chars)
        if len(q) < 6:
            continue
        # The same message posted again under another title: its entry answers the query just as well.
        accepted = frozenset({i} | body_matcher.copies(body, jaccard=True))
        alternates += len(accepted) > 1
        queries.append((q, accepted))
    seen = set(titles)
    pool: list[tuple[str, str]] = []  # (indexed text, text that shows which message it comes from)
    hot = pd.read_csv(DATA / "hot_messages_unlabeled.csv")
    pool += [(str(t), f"{t}{b}") for t, b in zip(hot["留言主题"], hot["留言详情"], strict=True)]
    for name in ("dev_raw.csv", "train_raw_sample.csv"):
        pool += [(str(t)[:30], str(t)[:200]) for t in pd.read_csv(DATA / name)["text"]]
    seg = pd.read_csv(DATA / "train_segmented.csv")
    pool += [("".join(str(t).split())[:30],) * 2 for t in seg["text_segmented"]]
    copies = 0
    for text, source in pool:
        if len(docs) >= n_total:
            break
        if text in seen or len(text) < 4:
            continue
        seen.add(text)
        if matcher.copies(text) or matcher.copies(source):
            copies += 1  # a copy of a target message is not a distractor but a second right answer
            continue
        docs.append(EntryDoc(entry_id=len(docs), question=text))
    return docs, queries, {"dropped_copies": copies, "queries_with_alternates": alternates}


def startup(docs: list[EntryDoc], cache: Path | None) -> dict[str, object]:
    """Process start-up of the entry index over `docs` stored in a fresh SQLite database: the worker's one-off
    embedding (what every process did at its first search before vectors were stored) vs reading stored vectors."""
    import tempfile

    from sqlalchemy import delete, insert
    from sqlalchemy.orm import Session

    from liandong.core.timeutil import utcnow
    from liandong.database.core import create_db_engine
    from liandong.database.migrate import upgrade
    from liandong.knowledge import jobs, runtime
    from liandong.knowledge.models import KnowledgeEmbedding, KnowledgeEntry
    from liandong.reference.models import Organisation

    embedder = CachedEmbedder(E5Embedder(), cache)
    out: dict[str, object] = {"bench": "knowledge-startup", "entries": len(docs)}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        engine = create_db_engine(url)
        with Session(engine) as s:
            org = Organisation(code="BENCH", name="bench", kind="department")
            s.add(org)
            s.flush()
            now = utcnow()
            rows = [
                {"id": i + 1, "root_id": i + 1, "version": 1, "status": "published", "question": d.question[:500],
                 "answer": d.answer, "variants": [], "category": None, "organisation_id": org.id, "region": None,
                 "valid_from": None, "valid_to": None, "source_document": None, "supersedes_id": None,
                 "last_reason": None, "created_by": "bench", "created_at": now, "updated_at": now,
                 "published_at": now, "retired_at": None}
                for i, d in enumerate(docs)
            ]  # fmt: skip
            s.execute(insert(KnowledgeEntry.__table__), rows)  # type: ignore[arg-type]
            s.commit()
            t = time.perf_counter()
            done = jobs.refresh(session=s, embedder=embedder, budget_s=float("inf"))
            s.commit()
            out |= {
                "worker_embed_s": round(time.perf_counter() - t, 1),
                "worker_texts_embedded_by_e5": embedder.passages_embedded,  # 0 when --cache already held them
                "worker_rows": done.embedded,
            }
            for label in ("stored", "keyword_only"):
                if label == "keyword_only":  # no stored vector: what a process sees before the worker ran
                    s.execute(delete(KnowledgeEmbedding.__table__))  # type: ignore[arg-type]
                    s.commit()
                runtime.set_embedder(embedder)  # a new process: empty indexes
                before = embedder.passages_requested
                t = time.perf_counter()
                index = runtime.entry_index(s)
                out[f"startup_{label}_s"] = round(time.perf_counter() - t, 2)
                out[f"startup_{label}_texts_embedded"] = embedder.passages_requested - before
                assert len(index) == len(docs)
                s.rollback()
        engine.dispose()
    out["load_avg"] = round(os.getloadavg()[0], 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    defaults = SearchParams()
    ap.add_argument("--entries", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=0, help="sample this many queries (0 = all)")
    ap.add_argument("--query-chars", type=int, default=0, help="0: the whole message; N: its first sentences")
    ap.add_argument(
        "--embed-chars", type=int, default=E5Embedder().max_chars, help="head of a passage e5 embeds"
    )
    ap.add_argument("--query-embed-chars", type=int, default=defaults.query_embed_chars)
    ap.add_argument("--w-dense", type=float, default=defaults.w_dense)
    ap.add_argument("--w-dense-head", type=float, default=defaults.w_dense_head)
    ap.add_argument("--no-dense", action="store_true")
    ap.add_argument("--cache", type=Path, default=None, help="npz cache of passage embeddings")
    ap.add_argument(
        "--startup", action="store_true", help="measure index start-up with stored vectors instead"
    )
    args = ap.parse_args()
    if not DATA.exists():
        print(json.dumps({"skipped": f"{DATA} not found"}))
        return
    docs, queries, cleaning = load(args.entries, args.query_chars)
    if args.startup:
        print(json.dumps(startup(docs, args.cache)))
        return
    if args.queries:
        rng = np.random.default_rng(0)
        queries = [queries[i] for i in rng.choice(len(queries), args.queries, replace=False)]
    embedder = None if args.no_dense else CachedEmbedder(E5Embedder(max_chars=args.embed_chars), args.cache)
    params = SearchParams(
        answer_weight=0.0,
        w_dense=args.w_dense,
        w_dense_head=args.w_dense_head,
        query_embed_chars=args.query_embed_chars,
    )
    t0 = time.perf_counter()
    index = KnowledgeIndex(embedder=embedder, params=params)
    index.add(docs)
    index.search("预热", k=5)
    build_s = time.perf_counter() - t0
    hit1 = hit5 = 0
    lat = []
    load_before = os.getloadavg()[0]
    cpu = []
    for q, accepted in queries:
        t, c = time.perf_counter(), time.process_time()
        hits = index.search(q, k=5)
        lat.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)  # all threads' CPU: what a quiet machine would take
        ids = [h.entry_id for h in hits]
        hit1 += bool(ids) and ids[0] in accepted
        hit5 += not accepted.isdisjoint(ids)
    n = max(len(queries), 1)
    result = {
        "bench": "knowledge",
        "entries": len(index),
        "queries": len(queries),
        "hit@1": round(hit1 / n, 4),
        "hit@5": round(hit5 / n, 4),
        "p50_ms": round(float(np.percentile(lat, 50)), 2),
        "p99_ms": round(float(np.percentile(lat, 99)), 2),
        "cpu_p50_ms": round(float(np.percentile(cpu, 50)), 2),
        "cpu_p99_ms": round(float(np.percentile(cpu, 99)), 2),
        "build_s": round(build_s, 1),
        "load_avg": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "dense": embedder is not None,
        "query_chars": args.query_chars or "message",
        "embed_chars": args.embed_chars,
        "query_embed_chars": args.query_embed_chars,
        "w_dense": [args.w_dense, args.w_dense_head],
        **cleaning,
    }
    if embedder is not None and embedder.query_ms:
        # Machines are shared: the query embedding (e5 forward pass, run beside tokenising) is reported apart.
        emb = np.array(embedder.query_ms[-len(lat) :])
        result |= {
            "embed_p50_ms": round(float(np.percentile(emb, 50)), 2),
            "embed_p99_ms": round(float(np.percentile(emb, 99)), 2),
        }
    print(json.dumps(result, ensure_ascii=False))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
