"""Knowledge retrieval bench on teddy2020 replies: hit@1/@5, p50/p99 ms over 10,000 entries, one JSON line.

KB: each message with an official reply is an entry (question = 留言主题, answer = 答复意见);
queries are the first sentences of the message body (留言详情), never the title; the KB is padded
to 10,000 entries with other teddy2020 messages (titles of hot_messages_unlabeled.csv, heads of
dev/train texts) as distractors. Answers are not indexed
here (answer_weight 0) because teddy2020 replies quote the title verbatim, which would leak the target.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

from liandong.knowledge.embedding import E5Embedder
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
        if cache is not None and cache.exists():
            with np.load(cache) as z:
                self.store = dict(zip(z["keys"].tolist(), z["vecs"], strict=True))

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        t = time.perf_counter()
        out = self.inner.embed_queries(texts)
        self.query_ms.append((time.perf_counter() - t) * 1000)
        return out

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        keys = [hashlib.sha1(f"{self.inner.max_chars}|{t}".encode()).hexdigest() for t in texts]
        todo = [i for i, k in enumerate(keys) if k not in self.store]
        for start in range(0, len(todo), 256):
            chunk = todo[start : start + 256]
            for i, v in zip(chunk, self.inner.embed_passages([texts[i] for i in chunk]), strict=True):
                self.store[keys[i]] = v
        if todo and self.cache is not None:
            np.savez(self.cache, keys=np.array(list(self.store)), vecs=np.stack(list(self.store.values())))
        return np.stack([self.store[k] for k in keys]) if keys else np.zeros((0, self.dim), np.float32)


def query_of(body: str, max_chars: int) -> str:
    """First sentences of a message body without the salutation: a caller-like paraphrase of the title."""
    text = SALUTATION.sub("", " ".join(str(body).split()))
    out = ""
    for sent in SENTENCE.findall(text):
        if len(out) >= max_chars * 0.6:
            break
        out += sent
    return out[:max_chars]


def load(n_total: int, max_query_chars: int) -> tuple[list[EntryDoc], list[tuple[str, int]]]:
    """KB docs (targets first, then distractors) and (query, target entry id) pairs."""
    import pandas as pd

    rep = pd.read_csv(DATA / "messages_with_replies.csv").drop_duplicates("留言主题")
    docs, queries, seen = [], [], set()
    for i, row in enumerate(rep.itertuples(index=False)):
        title, body, answer = str(row[1]), str(row[3]), str(row[4])
        docs.append(EntryDoc(entry_id=i, question=title, answer=answer))
        seen.add(title)
        q = query_of(body, max_query_chars)
        if len(q) >= 6:
            queries.append((q, i))
    hot = pd.read_csv(DATA / "hot_messages_unlabeled.csv")
    pool = [str(t) for t in hot["留言主题"]]
    for name in ("dev_raw.csv", "train_raw_sample.csv"):
        pool += [str(t)[:30] for t in pd.read_csv(DATA / name)["text"]]
    seg = pd.read_csv(DATA / "train_segmented.csv")
    pool += ["".join(str(t).split())[:30] for t in seg["text_segmented"]]
    for text in pool:
        if len(docs) >= n_total:
            break
        if text not in seen and len(text) >= 4:
            seen.add(text)
            docs.append(EntryDoc(entry_id=len(docs), question=text))
    return docs, queries


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--entries", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=0, help="sample this many queries (0 = all)")
    ap.add_argument("--query-chars", type=int, default=40)
    ap.add_argument("--embed-chars", type=int, default=32, help="head of the query/passage that e5 embeds")
    ap.add_argument("--query-embed-chars", type=int, default=0, help="head of the query e5 embeds (0 = same)")
    ap.add_argument("--no-dense", action="store_true")
    ap.add_argument("--cache", type=Path, default=None, help="npz cache of passage embeddings")
    ap.add_argument("--w-dense", type=float, default=SearchParams().w_dense)
    args = ap.parse_args()
    if not DATA.exists():
        print(json.dumps({"skipped": f"{DATA} not found"}))
        return
    docs, queries = load(args.entries, args.query_chars)
    if args.queries:
        rng = np.random.default_rng(0)
        queries = [queries[i] for i in rng.choice(len(queries), args.queries, replace=False)]
    embedder = (
        None
        if args.no_dense
        else CachedEmbedder(
            E5Embedder(max_chars=args.embed_chars, query_chars=args.query_embed_chars or None), args.cache
        )
    )
    params = SearchParams(answer_weight=0.0, w_dense=args.w_dense)
    t0 = time.perf_counter()
    index = KnowledgeIndex(embedder=embedder, params=params)
    index.add(docs)
    index.search("预热", k=5)
    build_s = time.perf_counter() - t0
    hit1 = hit5 = 0
    lat = []
    for q, target in queries:
        t = time.perf_counter()
        hits = index.search(q, k=5)
        lat.append((time.perf_counter() - t) * 1000)
        ids = [h.entry_id for h in hits]
        hit1 += bool(ids) and ids[0] == target
        hit5 += target in ids
    n = max(len(queries), 1)
    result = {
        "bench": "knowledge",
        "entries": len(index),
        "queries": len(queries),
        "hit@1": round(hit1 / n, 4),
        "hit@5": round(hit5 / n, 4),
        "p50_ms": round(float(np.percentile(lat, 50)), 2),
        "p99_ms": round(float(np.percentile(lat, 99)), 2),
        "build_s": round(build_s, 1),
        "dense": embedder is not None,
        "query_chars": args.query_chars,
        "embed_chars": args.embed_chars,
        "query_embed_chars": args.query_embed_chars or args.embed_chars,
        "w_dense": args.w_dense,
    }
    if embedder is not None and embedder.query_ms:
        # Machines are shared: the query embedding (e5 forward pass) is reported apart from the index work.
        emb = np.array(embedder.query_ms[-len(lat) :])
        rest = np.array(lat) - emb
        result |= {
            "embed_p50_ms": round(float(np.percentile(emb, 50)), 2),
            "embed_p99_ms": round(float(np.percentile(emb, 99)), 2),
            "index_p50_ms": round(float(np.percentile(rest, 50)), 2),
            "index_p99_ms": round(float(np.percentile(rest, 99)), 2),
        }
    print(json.dumps(result, ensure_ascii=False))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
