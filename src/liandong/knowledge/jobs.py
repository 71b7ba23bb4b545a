"""Worker jobs: compute and store the e5 vectors of published entries and past cases (`knowledge_embeddings`).

The API processes never embed documents: they read these vectors (`knowledge/runtime.py`). A periodic sweep
embeds every indexed row whose vector is missing, was computed from another text, or by another model; publishing
an entry also queues a job for that entry alone, so it gains its vector within seconds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from liandong.knowledge import vectors
from liandong.knowledge.documents import doc_units
from liandong.knowledge.embedding import Embedder
from liandong.knowledge.models import KnowledgeEmbedding
from liandong.knowledge.runtime import SOURCES, Source, current_embedder
from liandong.outbox import service as outbox
from liandong.outbox.worker import handler

log = logging.getLogger(__name__)

TOPIC = "knowledge.embed"
BATCH = 64  # texts per model call
CHUNK = 200  # rows read and written together
# A sweep stops after this much work and leaves the rest to the next one: the job's lease (5 min) is never near,
# and other jobs get the worker in between. At 20-50 ms per text that is 400-1,000 texts per run.
BUDGET_S = 20.0


@dataclass
class EmbedResult:
    checked: int = 0  # rows whose text was compared with their stored vector
    embedded: int = 0  # rows (re-)embedded
    remaining: bool = False  # the budget ran out first


def queue_entry(*, session: Session, entry_id: int) -> None:
    """Queue the embedding of a just-published entry in the caller's transaction (once per entry version)."""
    outbox.enqueue(
        session=session,
        topic=TOPIC,
        payload={"entry_ids": [entry_id]},
        dedupe_key=f"{TOPIC}:entry:{entry_id}",
    )


def refresh(
    *,
    session: Session,
    embedder: Embedder,
    kinds: Iterable[str] = (vectors.ENTRY, vectors.CASE),
    owner_ids: Iterable[int] | None = None,
    budget_s: float = BUDGET_S,
) -> EmbedResult:
    """Embed the rows whose vector is missing or stale (flushes; the caller commits); newest rows first."""
    model = vectors.model_id(embedder)
    deadline = time.monotonic() + budget_s
    result = EmbedResult()
    wanted = None if owner_ids is None else [int(i) for i in owner_ids]
    for kind in kinds:
        src = SOURCES[kind]
        ids = _candidates(session, kind, model, src, wanted)
        for start in range(0, len(ids), CHUNK):
            if time.monotonic() > deadline:
                result.remaining = True
                return result
            _embed_chunk(session, kind, model, src, embedder, ids[start : start + CHUNK], result)
    return result


def _candidates(session: Session, kind: str, model: str, src: Source, wanted: list[int] | None) -> list[int]:
    """Rows without a vector of this model, or changed since their text was last compared."""
    sub = src.rows().subquery()
    e = KnowledgeEmbedding
    stmt = (
        select(sub.c.id)
        .outerjoin(e, and_(e.owner_id == sub.c.id, e.owner_kind == kind, e.model == model))
        .where(or_(e.id.is_(None), sub.c.updated_at > e.source_updated_at))
        .order_by(sub.c.id.desc())
    )
    if wanted is not None:
        stmt = stmt.where(sub.c.id.in_(wanted))
    return [int(i) for i in session.scalars(stmt)]


def _embed_chunk(
    session: Session,
    kind: str,
    model: str,
    src: Source,
    embedder: Embedder,
    ids: list[int],
    result: EmbedResult,
) -> None:
    objs = session.scalars(select(src.model).where(src.model.id.in_(ids))).all()
    stored = vectors.load(session=session, kind=kind, model=model, owner_ids=ids)
    todo: list[tuple[Any, list[str], KnowledgeEmbedding | None]] = []
    for obj in objs:
        units = doc_units(src.to_doc(obj))
        row = stored.get(obj.id)
        result.checked += 1
        if row is not None and row.text_hash == vectors.text_hash(units):
            # Same text (e.g. only a work order's status moved on): keep the vector, remember the check.
            vectors.mark_checked(session=session, row_id=row.id, source_updated_at=obj.updated_at)
        else:
            todo.append((obj, units, row))
    flat = [u for _, units, _ in todo for u in units]
    if flat:
        embedded = np.vstack(
            [embedder.embed_passages(flat[i : i + BATCH]) for i in range(0, len(flat), BATCH)]
        )
        pos = 0
        for obj, units, row in todo:
            vectors.save(
                session=session, kind=kind, model=model, owner_id=obj.id, units=units,
                vecs=embedded[pos : pos + len(units)], source_updated_at=obj.updated_at, row_id=row.id if row else None,
            )  # fmt: skip
            pos += len(units)
    result.embedded += len(todo)
    session.flush()


@handler(TOPIC)
def embed_job(session: Session, payload: dict[str, Any]) -> None:
    """The periodic sweep (no ids) or one published entry (`entry_ids`); the worker commits the vectors."""
    embedder = current_embedder()
    if embedder is None:
        return  # keyword-only deployment: nothing to store
    ids = payload.get("entry_ids")
    if ids is None:
        result = refresh(session=session, embedder=embedder)
    else:
        result = refresh(session=session, embedder=embedder, kinds=(vectors.ENTRY,), owner_ids=ids)
    if result.embedded or result.remaining:
        log.info("knowledge vectors: %s", result)
