"""The process-wide indexes: published entries and past cases, refreshed incrementally when the data changes.

Each request costs one cheap signature query (count, max(updated_at), max(id)); only when it differs are the
changed rows read and embedded. Nothing is rebuilt per request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from liandong.knowledge.embedding import Embedder, default_embedder
from liandong.knowledge.enums import EntryStatus
from liandong.knowledge.models import KnowledgeEntry
from liandong.knowledge.search import EntryDoc, KnowledgeIndex, case_doc
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
    """One index kept in step with a set of rows identified by (id, updated_at)."""

    base: Callable[[], Select[int, datetime]]
    model: Any
    to_doc: Callable[[Any], EntryDoc]
    index: KnowledgeIndex
    signature: tuple[Any, ...] | None = None
    stamps: dict[int, datetime] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def sync(self, session: Session) -> KnowledgeIndex:
        sub = self.base().subquery()
        sig = tuple(
            session.execute(select(func.count(), func.max(sub.c.updated_at), func.max(sub.c.id))).one()
        )
        if sig == self.signature:
            return self.index
        with self.lock:
            if sig == self.signature:
                return self.index
            rows = session.execute(select(sub.c.id, sub.c.updated_at)).all()
            now = {int(r[0]): r[1] for r in rows}
            gone = [i for i, t in self.stamps.items() if now.get(i) != t]
            fresh = [i for i, t in now.items() if self.stamps.get(i) != t]
            self.index.remove(gone)
            for chunk in _chunks(fresh, 500):
                objs = session.scalars(select(self.model).where(self.model.id.in_(chunk))).all()
                self.index.add(self.to_doc(o) for o in objs)
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


def runtime(session: Session) -> Runtime:
    """The runtime of the session's database (one per database URL in this process)."""
    bind = session.get_bind()
    key = bind.engine.url.render_as_string(hide_password=True)
    with _lock:
        found = _runtimes.get(key)
        if found is None:
            emb = current_embedder()
            found = Runtime(
                entries=_Synced(_published, KnowledgeEntry, entry_doc, KnowledgeIndex(embedder=emb)),
                cases=_Synced(_finished, WorkOrder, order_doc, KnowledgeIndex(embedder=emb)),
            )
            _runtimes[key] = found
        return found


def entry_index(session: Session) -> KnowledgeIndex:
    """The index of published entries, brought up to date."""
    return runtime(session).entries.sync(session)


def case_index(session: Session) -> KnowledgeIndex:
    """The index of finished work orders, brought up to date."""
    return runtime(session).cases.sync(session)
