"""Saving and loading a knowledge index: `<path>.npz` (arrays, e5 vectors) and `<path>.json` (vocabulary, docs)."""

from __future__ import annotations

import itertools
import json
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from liandong.knowledge.embedding import Embedder

if TYPE_CHECKING:
    from liandong.knowledge.search import EntryDoc, KnowledgeIndex

FORMAT_VERSION = 1


def save(index: KnowledgeIndex, path: str | Path) -> None:
    """Write the index without its removed rows; the caller holds the index lock."""
    index.compact()
    index._refresh()
    base = Path(path)
    ind = np.concatenate([i for i, _ in index._tf]) if index._tf else np.zeros(0, np.int32)
    tfw = np.concatenate([w for _, w in index._tf]) if index._tf else np.zeros(0, np.float32)
    lens = np.array([len(i) for i, _ in index._tf], np.int64)
    dim = index.embedder.dim if index.embedder is not None else 0
    vecs = index._U if index._U is not None else np.zeros((0, dim), np.float32)
    np.savez_compressed(
        base.with_suffix(".npz"),
        tf_ind=ind,
        tf_w=tfw,
        tf_len=lens,
        unit_vecs=vecs,
        unit_row=index._unit_row_arr,
    )
    meta = {
        "version": FORMAT_VERSION,
        "params": asdict(index.params),
        "vocab": list(index._vocab),
        "docs": [doc_to_json(d) for d in index._docs if d is not None],
        "unit_texts": index._unit_texts,
        "dim": dim,
    }
    base.with_suffix(".json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def load(cls: type[KnowledgeIndex], path: str | Path, embedder: Embedder | None) -> KnowledgeIndex:
    """Read an index written by save(); raises ValueError on a missing, corrupt or mismatched file."""
    base = Path(path)
    try:
        meta = json.loads(base.with_suffix(".json").read_text(encoding="utf-8"))
        with np.load(base.with_suffix(".npz"), allow_pickle=False) as z:
            arrays = {name: z[name] for name in z.files}
    except (OSError, ValueError, KeyError) as exc:
        raise ValueError(f"cannot read knowledge index at {base}: {exc}") from exc
    if not isinstance(meta, dict) or meta.get("version") != FORMAT_VERSION:
        raise ValueError(f"knowledge index at {base} has an unsupported format")
    try:
        return _from_parts(cls, meta, arrays, embedder)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"knowledge index at {base} is corrupt or mismatched: {exc}") from exc


def _from_parts(
    cls: type[KnowledgeIndex], meta: dict[str, Any], arrays: dict[str, np.ndarray], embedder: Embedder | None
) -> KnowledgeIndex:
    """Rebuild the in-memory state from loaded parts; raises on any inconsistency."""
    from liandong.knowledge.documents import SearchParams

    vecs = arrays["unit_vecs"]
    if embedder is not None and vecs.shape[0] and meta["dim"] != embedder.dim:
        raise ValueError(f"built with dim {meta['dim']}, embedder has {embedder.dim}")
    known = set(SearchParams.__dataclass_fields__)
    index = cls(
        embedder=embedder, params=SearchParams(**{k: v for k, v in meta["params"].items() if k in known})
    )
    index._vocab = {t: i for i, t in enumerate(meta["vocab"])}
    index._docs = [doc_from_json(d) for d in meta["docs"]]
    index._row_of = {d.entry_id: i for i, d in enumerate(index._docs) if d is not None}
    bounds = np.concatenate([[0], np.cumsum(arrays["tf_len"])])
    n_units = len(meta["unit_texts"])
    if len(bounds) - 1 != len(index._docs) or n_units != len(arrays["unit_row"]):
        raise ValueError("row counts differ")
    if vecs.shape[0] not in (0, n_units) or int(bounds[-1]) != len(arrays["tf_ind"]):
        raise ValueError("array sizes differ")
    index._tf = [
        (arrays["tf_ind"][a:b].astype(np.int32), arrays["tf_w"][a:b].astype(np.float32))
        for a, b in itertools.pairwise(bounds)
    ]
    index._unit_texts = [str(t) for t in meta["unit_texts"]]
    index._unit_row = [int(r) for r in arrays["unit_row"]]
    if embedder is not None:
        if not vecs.shape[0] and index._unit_texts:
            vecs = embedder.embed_passages(index._unit_texts)
        index._unit_vecs = [np.asarray(vecs, np.float32)]
    return index


def doc_to_json(doc: EntryDoc) -> dict[str, object]:
    """JSON-safe form of a document (datetimes as ISO strings)."""
    data = asdict(doc)
    data["variants"] = list(doc.variants)
    data["meta"] = dict(doc.meta)
    for key in ("valid_from", "valid_to"):
        value = getattr(doc, key)
        data[key] = value.isoformat() if value is not None else None
    return data


def doc_from_json(data: dict[str, object]) -> EntryDoc:
    """Inverse of doc_to_json."""
    from liandong.knowledge.documents import PUBLISHED, EntryDoc

    def when(key: str) -> datetime | None:
        value = data.get(key)
        return datetime.fromisoformat(str(value)) if value else None

    return EntryDoc(
        entry_id=data["entry_id"],  # type: ignore[arg-type]
        question=str(data.get("question") or ""),
        answer=str(data.get("answer") or ""),
        variants=tuple(str(v) for v in data.get("variants") or ()),  # type: ignore[attr-defined]
        category=data.get("category"),  # type: ignore[arg-type]
        region=data.get("region"),  # type: ignore[arg-type]
        valid_from=when("valid_from"),
        valid_to=when("valid_to"),
        status=str(data.get("status") or PUBLISHED),
        meta={str(k): str(v) for k, v in dict(data.get("meta") or {}).items()},  # type: ignore[call-overload]
    )
