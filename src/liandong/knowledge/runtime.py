"""The process-wide indexes: published entries and past cases, refreshed incrementally when the data changes.

Each request costs one cheap signature query (count, max(updated_at), max(id) of the rows, and count,
max(updated_at) of their stored vectors); only when it differs are the changed rows read. Nothing is embedded
here: entry and case vectors come from `knowledge_embeddings`, written by the worker (`knowledge/jobs.py`); a row
whose vector is not stored yet (or was computed from another text or model) is indexed keyword-only and gains its
vector on the first call after the worker stores it. Only queries are embedded per request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from liandong.knowledge import vectors
from liandong.knowledge.documents import EntryDoc, case_doc, doc_units
from liandong.knowledge.embedding import Embedder, default_embedder
from liandong.knowledge.enums import EntryStatus
from liandong.knowledge.models import KnowledgeEntry
from liandong.knowledge.search import KnowledgeIndex
from liandong.workorder.models import WorkOrder

CASE_STATES = ("completed", "visited", "archived")
MAX_CASES = 20_000  # the most recent finished orders; older ones add little to "similar cases"

_embedder: Embedder | None = None
_embedder_set = False


def set_embedder(embedder: Embedder | None) -> None:
    """Use this embedder (None: keyword search only) instead of the bundled e5 model; clears the indexes."""
    global _embedder, _embedder_set
    with _lock:
        _embedder, _embedder_set = embedder, True
        _runtimes.clear()


def current_embedder() -> Embedder | None:
    return _embedder if _embedder_set else default_embedder()


def entry_doc(entry: KnowledgeEntry) -> EntryDoc:
    """A published entry as the index sees it."""
    return EntryDoc(
        entry_id=entry.id,
        question=entry.question,
        answer=entry.answer,
        variants=tuple(str(v) for v in entry.variants or ()),
        category=entry.category,
        region=entry.region,
        valid_from=entry.valid_from,
        valid_to=entry.valid_to,
        meta={"organisation_id": str(entry.organisation_id), "version": str(entry.version)},
    )


def order_doc(order: WorkOrder) -> EntryDoc:
    """A finished work order as a past case."""
    return case_doc(
        case_id=order.id,
        text=order.summary,
        outcome=order.handle_opinion or "",
        handling_unit=str(order.handling_unit_id) if order.handling_unit_id else None,
        region=order.adcode,
    )


@dataclass
class _Synced:
    """One index kept in step with a set of rows identified by (id, updated_at) and their stored vectors."""

    base: Callable[[], Select[int, datetime]]
    model: Any
    to_doc: Callable[[Any], EntryDoc]
    index: KnowledgeIndex
    kind: str
    embed_model: str | None  # the model id whose stored vectors are used; None: keyword search only
    signature: tuple[Any, ...] | None = None
    stamps: dict[int, tuple[datetime, datetime | None]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _signature(self, session: Session) -> tuple[Any, ...]:
        sub = self.base().subquery()
        sig = tuple(
            session.execute(select(func.count(), func.max(sub.c.updated_at), func.max(sub.c.id))).one()
        )
        if self.embed_model is None:
            return sig
        return sig + vectors.signature(session=session, kind=self.kind, model=self.embed_model)

    def _state(self, session: Session) -> dict[int, tuple[datetime, datetime | None]]:
        """id -> (row updated_at, vector updated_at or None) of every row in the set."""
        sub = self.base().subquery()
        rows = session.execute(select(sub.c.id, sub.c.updated_at)).all()
        stored: dict[int, datetime] = {}
        if self.embed_model is not None:
            stored = vectors.stamps(
                session=session, kind=self.kind, model=self.embed_model, owners=select(sub.c.id)
            )
        return {int(r[0]): (r[1], stored.get(int(r[0]))) for r in rows}

    def _docs(self, session: Session, ids: list[int]) -> tuple[list[EntryDoc], dict[int | str, Any]]:
        """The documents of these rows and the stored vectors that still fit their texts."""
        docs = [self.to_doc(o) for o in session.scalars(select(self.model).where(self.model.id.in_(ids)))]
        if self.embed_model is None:
            return docs, {}
        rows = vectors.load(session=session, kind=self.kind, model=self.embed_model, owner_ids=ids)
        fits = {d.entry_id: vectors.fitting(rows.get(int(d.entry_id)), doc_units(d)) for d in docs}
        return docs, {i: v for i, v in fits.items() if v is not None}

    def sync(self, session: Session) -> KnowledgeIndex:
        sig = self._signature(session)
        if sig == self.signature:
            return self.index
        with self.lock:
            if sig == self.signature:
                return self.index
            now = self._state(session)
            gone = [i for i, t in self.stamps.items() if now.get(i) != t]
            fresh = [i for i, t in now.items() if self.stamps.get(i) != t]
            self.index.remove(gone)
            for chunk in _chunks(fresh, 500):
                docs, vecs = self._docs(session, chunk)
                self.index.add(docs, vectors=vecs)
            if len(gone) > 1000:
                self.index.compact()
            self.stamps, self.signature = now, sig
            return self.index


def _chunks(ids: Sequence[int], size: int) -> list[list[int]]:
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


@dataclass
class Runtime:
    """The entry and case indexes of one database."""

    entries: _Synced
    cases: _Synced


_runtimes: dict[str, Runtime] = {}
_lock = threading.Lock()


def _published() -> Select[int, datetime]:
    return select(KnowledgeEntry.id, KnowledgeEntry.updated_at).where(
        KnowledgeEntry.status == EntryStatus.PUBLISHED.value
    )


def _finished() -> Select[int, datetime]:
    return (
        select(WorkOrder.id, WorkOrder.updated_at)
        .where(WorkOrder.status.in_(CASE_STATES))
        .order_by(WorkOrder.id.desc())
        .limit(MAX_CASES)
    )


@dataclass(frozen=True)
class Source:
    """A set of rows that is indexed: the (id, updated_at) select, the model and its document."""

    rows: Callable[[], Select[int, datetime]]
    model: Any
    to_doc: Callable[[Any], EntryDoc]


SOURCES = {
    vectors.ENTRY: Source(_published, KnowledgeEntry, entry_doc),
    vectors.CASE: Source(_finished, WorkOrder, order_doc),
}


def runtime(session: Session) -> Runtime:
    """The runtime of the session's database (one per database URL in this process)."""
    bind = session.get_bind()
    key = bind.engine.url.render_as_string(hide_password=True)
    with _lock:
        found = _runtimes.get(key)
        if found is None:
            emb = current_embedder()
            model = vectors.model_id(emb) if emb is not None else None
            synced = {
                kind: _Synced(src.rows, src.model, src.to_doc, KnowledgeIndex(embedder=emb), kind, model)
                for kind, src in SOURCES.items()
            }
            found = Runtime(entries=synced[vectors.ENTRY], cases=synced[vectors.CASE])
            _runtimes[key] = found
        return found


def entry_index(session: Session) -> KnowledgeIndex:
    """The index of published entries, brought up to date."""
    return runtime(session).entries.sync(session)


def case_index(session: Session) -> KnowledgeIndex:
    """The index of finished work orders, brought up to date."""
    return runtime(session).cases.sync(session)
