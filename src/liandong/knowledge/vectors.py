"""Stored e5 vectors of entries and past cases (`knowledge_embeddings`): written by the worker, read by every process.

A row holds one owner's unit vectors (question and variants, or a case's head: `documents.doc_units`) for one model,
with the hash of the texts they were computed from; a row whose hash or model differs from the current ones is
stale and never served.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

import numpy as np
from sqlalchemy import Select, Table, func, insert, select, update
from sqlalchemy.orm import Session

from liandong.core.timeutil import utcnow
from liandong.knowledge.embedding import Embedder
from liandong.knowledge.models import KnowledgeEmbedding

ENTRY = "entry"
CASE = "case"
_DTYPE = np.dtype("<f4")


def model_id(embedder: Embedder) -> str:
    """The id stored with each vector: the embedder's `model_id`, else its class name."""
    return str(getattr(embedder, "model_id", None) or type(embedder).__name__)[:80]


def text_hash(units: Sequence[str]) -> str:
    """sha256 of the unit texts a vector matrix was computed from (order matters: one row per unit)."""
    return hashlib.sha256("\x1f".join(units).encode("utf-8")).hexdigest()


def to_bytes(vecs: np.ndarray) -> bytes:
    return np.ascontiguousarray(vecs, dtype=_DTYPE).tobytes()


def from_bytes(data: bytes, dim: int) -> np.ndarray:
    """The (units, dim) float32 matrix of a stored row (a copy: the index owns its arrays)."""
    return np.frombuffer(data, dtype=_DTYPE).reshape(-1, dim).astype(np.float32)


def _rows(kind: str, model: str) -> Select[Any]:
    return select(KnowledgeEmbedding).where(
        KnowledgeEmbedding.owner_kind == kind, KnowledgeEmbedding.model == model
    )


def signature(*, session: Session, kind: str, model: str) -> tuple[Any, ...]:
    """(count, max(updated_at)) of a kind's vectors: changes whenever the worker stores one."""
    e = KnowledgeEmbedding
    return tuple(
        session.execute(
            select(func.count(), func.max(e.updated_at)).where(e.owner_kind == kind, e.model == model)
        ).one()
    )


def stamps(*, session: Session, kind: str, model: str, owners: Select[Any]) -> dict[int, datetime]:
    """owner id -> when its vector last changed, for the owners selected by `owners` (a one-column select)."""
    e = KnowledgeEmbedding
    rows = session.execute(
        select(e.owner_id, e.updated_at).where(e.owner_kind == kind, e.model == model, e.owner_id.in_(owners))
    )
    return {int(r[0]): r[1] for r in rows}


def load(
    *, session: Session, kind: str, model: str, owner_ids: Iterable[int]
) -> dict[int, KnowledgeEmbedding]:
    """The stored rows of these owners for this model, by owner id."""
    ids = list(owner_ids)
    if not ids:
        return {}
    found = session.scalars(_rows(kind, model).where(KnowledgeEmbedding.owner_id.in_(ids)))
    return {row.owner_id: row for row in found}


def fitting(row: KnowledgeEmbedding | None, units: Sequence[str]) -> np.ndarray | None:
    """The row's vectors if they were computed from exactly these texts, else None (stale or missing)."""
    if row is None or row.text_hash != text_hash(units):
        return None
    vecs = from_bytes(row.vector, row.dim)
    return vecs if vecs.shape[0] == len(units) else None


def _table() -> Table:
    return cast(Table, KnowledgeEmbedding.__table__)


def save(
    *,
    session: Session,
    kind: str,
    model: str,
    owner_id: int,
    units: Sequence[str],
    vecs: np.ndarray,
    source_updated_at: datetime,
    row_id: int | None = None,
) -> None:
    """Insert (row_id None) or overwrite an owner's vectors in the caller's transaction.

    Written with Core statements, not ORM objects, so the audit log does not copy them: they are derived data the
    worker recomputes from the audited entries and orders, not anybody's action, and would add kilobytes of
    floats per row to the hash chain.
    """
    values = {
        "text_hash": text_hash(units),
        "dim": int(vecs.shape[1]),
        "vector": to_bytes(vecs),
        "source_updated_at": source_updated_at,
        "updated_at": utcnow(),
    }
    table = _table()
    if row_id is None:
        session.execute(insert(table).values(owner_kind=kind, owner_id=owner_id, model=model, **values))
    else:
        session.execute(update(table).where(table.c.id == row_id).values(**values))


def mark_checked(*, session: Session, row_id: int, source_updated_at: datetime) -> None:
    """The owner changed but not its text: keep the vector, remember which version was compared."""
    table = _table()
    session.execute(update(table).where(table.c.id == row_id).values(source_updated_at=source_updated_at))
