"""The audit log: every change and every read of personal data, hash-chained, verifiable.

Changes are captured by session flush listeners in the same transaction as the change, so a change without its audit
row cannot be committed. Rows are chained afterwards by `seal` (the worker runs it every few seconds, and verification
runs it first): one sealer at a time gives each committed row its place in the chain (`seq`), the previous row's hash
and its own. Chaining inside every writing transaction would serialise all writers, commit included, on one lock.
The database refuses any UPDATE other than sealing an unsealed row once, and every DELETE.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, func, insert, inspect, select, text
from sqlalchemy.orm import Session

from liandong.core.timeutil import utcnow
from liandong.events.service import jsonable
from liandong.security.models import AuditEntry

GENESIS = "0" * 64
AUDIT_LOCK_KEY = 7_310_345_110  # any constant shared by every node writing this database
# Tables whose changes are already the audit trail itself, queue bookkeeping, or derived data (vectors). The
# exchange's messages are their own signed, append-only record, and the changes they carry into requests, orders and
# incidents are audited where they land; copying them here also copied callers' numbers in clear into a log that
# can never be purged.
NOT_AUDITED = {
    "audit_log", "outbox_jobs", "api_tokens", "events", "knowledge_embeddings",
    "exchange_messages", "exchange_inbox",
}  # fmt: skip
SECRET_FIELDS = {"password_hash", "token_hash", "caller_phone_enc", "caller_name_enc"}


def _digest(prev_hash: str, entry: AuditEntry) -> str:
    body = json.dumps(
        {
            "prev": prev_hash,
            "at": entry.occurred_at.isoformat(),
            "actor": entry.actor,
            "ip": entry.source_ip,
            "action": entry.action,
            "entity_type": entry.entity_type,
            "entity_id": entry.entity_id,
            "detail": entry.detail,
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


def _lock(session: Session) -> None:
    """One sealer at a time (SQLite transactions already begin IMMEDIATE, which serialises writers)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": AUDIT_LOCK_KEY})


def append(
    *,
    session: Session,
    actor: str,
    action: str,
    entity_type: str | None = None,
    entity_id: object = None,
    detail: dict[str, Any] | None = None,
    source_ip: str | None = None,
) -> AuditEntry:
    """Add an unsealed row to the transaction (no lock, no read: writers never wait for each other here)."""
    entry = AuditEntry(
        occurred_at=utcnow(),
        actor=actor,
        source_ip=source_ip,
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        detail=jsonable(detail or {}),
    )
    session.add(entry)
    return entry


def seal(*, session: Session, limit: int = 20_000) -> int:
    """Chain the committed rows not yet sealed, in id order, after the current head; returns how many.

    A row whose transaction commits after a later id was sealed simply takes the next place in the chain: the chain
    records the order rows were sealed, which verification follows.
    """
    _lock(session)
    head = session.execute(
        select(AuditEntry.seq, AuditEntry.hash)
        .where(AuditEntry.seq.is_not(None))
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    ).first()
    seq, prev = (head[0] or 0, head[1] or GENESIS) if head else (0, GENESIS)
    rows = session.scalars(
        select(AuditEntry).where(AuditEntry.seq.is_(None)).order_by(AuditEntry.id).limit(limit)
    ).all()
    for entry in rows:
        seq += 1
        entry.seq = seq
        entry.prev_hash = prev
        entry.hash = prev = _digest(prev, entry)
    session.flush()
    return len(rows)


def _changes(obj: Any) -> dict[str, Any]:
    state = inspect(obj)
    out: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in SECRET_FIELDS:
            continue
        hist = state.attrs[attr.key].history
        if hist.has_changes():
            out[attr.key] = jsonable(hist.added[0] if hist.added else None)
    return out


def _collect(session: Session, _ctx: Any) -> None:
    """After the flush (ids assigned, history still visible): note what changed."""
    pending: list[tuple[str, str, object, dict[str, Any]]] = session.info.setdefault("audit_pending", [])
    for kind, objs in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in list(objs):
            table = getattr(obj, "__tablename__", None)
            if table is None or table in NOT_AUDITED:
                continue
            if kind == "update" and not session.is_modified(obj, include_collections=False):
                continue
            detail = _changes(obj) if kind != "delete" else {}
            pending.append((f"{table}.{kind}", table, getattr(obj, "id", None), detail))


_INSERT_AUDIT = insert(AuditEntry)  # built once: constructing it cost as much as compiling it from the cache


def _write(session: Session, _ctx: Any) -> None:
    """After the flush has finished: insert the audit rows on the flush's connection, in the same transaction.

    One multi-row INSERT, not ORM objects: objects added here made the flush run a second unit-of-work pass for
    every change (a sixth of the intake use case's CPU).
    """
    pending = session.info.pop("audit_pending", None)
    if not pending:
        return
    context = session.info.get("audit_context")
    at = utcnow()
    rows = [
        {"occurred_at": at, "actor": context.actor if context else "system",
         "source_ip": context.source_ip if context else None, "action": action, "entity_type": table,
         "entity_id": None if entity_id is None else str(entity_id), "detail": detail}
        for action, table, entity_id, detail in pending
    ]  # fmt: skip
    session.connection().execute(_INSERT_AUDIT, rows)


def _after_end(session: Session, _transaction: Any) -> None:
    session.info.pop("audit_pending", None)


@dataclass(frozen=True)
class AuditContext:
    actor: str
    source_ip: str | None = None


def install() -> None:
    """Capture every ORM change into the audit log (idempotent)."""
    if not event.contains(Session, "after_flush", _collect):
        event.listen(Session, "after_flush", _collect)
        event.listen(Session, "after_flush_postexec", _write)
        event.listen(Session, "after_commit", lambda s: _after_end(s, None))
        event.listen(Session, "after_rollback", lambda s: _after_end(s, None))


def bind(session: Session, *, actor: str, source_ip: str | None) -> None:
    session.info["audit_context"] = AuditContext(actor=actor, source_ip=source_ip)


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    problems: list[str]
    unsealed: int = 0


def _rows(session: Session) -> Iterator[AuditEntry]:
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.seq.is_not(None))
        .order_by(AuditEntry.seq)
        .execution_options(yield_per=2000, populate_existing=True)
    )
    yield from session.scalars(stmt)


def verify(*, session: Session) -> VerifyResult:
    """Recompute the chain: an altered row breaks its own hash; a deleted row breaks the next row's link."""
    prev = GENESIS
    problems: list[str] = []
    n = 0
    for entry in _rows(session):
        n += 1
        if entry.prev_hash != prev:
            problems.append(f"row {entry.id}: link broken (a row before it was deleted or altered)")
        if _digest(str(entry.prev_hash), entry) != entry.hash:
            problems.append(f"row {entry.id}: content altered")
        prev = str(entry.hash)
    unsealed = (
        session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.seq.is_(None))) or 0
    )
    return VerifyResult(ok=not problems, checked=n, problems=problems, unsealed=unsealed)


def recent(*, session: Session, limit: int = 100, since: datetime | None = None) -> list[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if since:
        stmt = stmt.where(AuditEntry.occurred_at >= since)
    return list(session.scalars(stmt))
