"""Knowledge entries (一问一答): create, edit or version, lifecycle actions with events, department boundaries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from liandong.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from liandong.core.timeutil import as_utc, utcnow
from liandong.events import service as events
from liandong.knowledge import schemas as s
from liandong.knowledge.enums import EntryStatus
from liandong.knowledge.lifecycle import DEPARTMENT_ACTIONS, ENTRY_LIFECYCLE
from liandong.knowledge.models import KnowledgeEntry
from liandong.reference.models import Organisation
from liandong.security.enums import Perm
from liandong.security.principal import Principal

ENTITY = "knowledge_entry"
CONTENT = (
    "question", "answer", "variants", "category", "region", "valid_from", "valid_to", "source_document",
)  # fmt: skip
TRACKED = (*CONTENT, "status", "version", "organisation_id", "published_at", "retired_at", "last_reason")
ACTIONS = ("submit", "review", "reject", "publish", "retire")


def check_entry(principal: Principal, entry: KnowledgeEntry, action: str | None = None) -> None:
    """A department sees and changes only its own entries (others' are 404); review and publish need WRITE."""
    if principal.can(Perm.KNOWLEDGE_WRITE):
        return
    if not principal.can(Perm.KNOWLEDGE_DRAFT) or entry.organisation_id != principal.organisation_id:
        raise NotFound(ENTITY, entry.id)
    if action is not None and action not in DEPARTMENT_ACTIONS:
        raise PermissionDenied(f"role '{principal.role}' may not '{action}' a knowledge entry")


def owner_for(*, session: Session, principal: Principal, requested: int | None) -> int:
    """The owning department of a new entry: a unit's own; a supervisor must name an active organisation."""
    if not principal.can(Perm.KNOWLEDGE_WRITE):
        if principal.organisation_id is None:
            raise PermissionDenied("this account belongs to no department")
        if requested is not None and requested != principal.organisation_id:
            raise PermissionDenied("a department writes only its own entries")
        return principal.organisation_id
    if requested is None:
        raise InvalidInput("organisation_id", "name the owning department")
    org = session.get(Organisation, requested)
    if org is None or not org.active:
        raise InvalidInput("organisation_id", f"unknown or inactive organisation {requested}")
    return org.id


def _record(session: Session, entry: KnowledgeEntry, action: str, actor: str, before: dict[str, Any],
            note: str | None = None) -> None:  # fmt: skip
    events.record(
        session=session, entity_type=ENTITY, entity_id=entry.id, action=action, actor=actor, before=before,
        after=events.snapshot(entry, TRACKED), from_state=before.get("status"), to_state=entry.status, note=note,
    )  # fmt: skip


def create(*, session: Session, data: s.EntryBase, organisation_id: int, actor: str,
           root: KnowledgeEntry | None = None) -> KnowledgeEntry:  # fmt: skip
    """A new draft: a first version, or (with `root`) the next version of an entry."""
    entry = KnowledgeEntry(
        **{k: getattr(data, k) for k in CONTENT},
        organisation_id=organisation_id,
        status=EntryStatus.DRAFT.value,
        created_by=actor,
    )
    if root is not None:
        entry.root_id = root.root_id or root.id
        entry.version = latest_version(session=session, root_id=entry.root_id) + 1
        entry.supersedes_id = root.id
    session.add(entry)
    session.flush()
    if entry.root_id is None:
        entry.root_id = entry.id
        session.flush()
    _record(session, entry, "create" if root is None else "revise", actor, {})
    return entry


def latest_version(*, session: Session, root_id: int) -> int:
    return (
        session.scalar(select(func.max(KnowledgeEntry.version)).where(KnowledgeEntry.root_id == root_id)) or 0
    )


def require(*, session: Session, entry_id: int) -> KnowledgeEntry:
    entry = session.get(KnowledgeEntry, entry_id)
    if entry is None:
        raise NotFound(ENTITY, entry_id)
    return entry


def list_entries(
    *, session: Session, principal: Principal, status: str | None = None, category: str | None = None,
    organisation_id: int | None = None, root_id: int | None = None, limit: int = 50, offset: int = 0,
) -> tuple[list[KnowledgeEntry], int]:  # fmt: skip
    """Filtered, paginated entries; a department sees only its own."""
    stmt: Select[Any] = select(KnowledgeEntry)
    if not principal.can(Perm.KNOWLEDGE_WRITE):
        stmt = stmt.where(KnowledgeEntry.organisation_id == principal.organisation_id)
    if status:
        stmt = stmt.where(KnowledgeEntry.status == status)
    if category:
        stmt = stmt.where(KnowledgeEntry.category == category)
    if organisation_id is not None:
        stmt = stmt.where(KnowledgeEntry.organisation_id == organisation_id)
    if root_id is not None:
        stmt = stmt.where(KnowledgeEntry.root_id == root_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(KnowledgeEntry.id).limit(limit).offset(offset))
    return list(rows), total


def _open_version(session: Session, entry: KnowledgeEntry) -> KnowledgeEntry | None:
    """A newer version of the entry still being drafted or reviewed, if any."""
    return session.scalar(
        select(KnowledgeEntry).where(
            KnowledgeEntry.root_id == entry.root_id,
            KnowledgeEntry.id != entry.id,
            KnowledgeEntry.status.in_([EntryStatus.DRAFT, EntryStatus.SUBMITTED, EntryStatus.REVIEWED]),
        )
    )


def edit(*, session: Session, entry: KnowledgeEntry, data: s.EntryUpdate, actor: str) -> KnowledgeEntry:
    """Edit a draft in place; on a published entry draft a new version (the old stays served until it is
    published). Returns the edited draft or the new version."""
    changes = data.model_dump(exclude_unset=True)
    if not changes:
        raise InvalidInput("body", "nothing to change")
    if entry.status == EntryStatus.PUBLISHED:
        ENTRY_LIFECYCLE.next_state(entry.status, "revise")
        pending = _open_version(session, entry)
        if pending is not None:
            raise Conflict(
                f"version {pending.version} of this entry is already being drafted (entry {pending.id})",
                details={"entry_id": pending.id},
            )
        merged = {k: getattr(entry, k) for k in CONTENT} | changes
        try:
            data_new = s.EntryBase.model_validate(merged)
        except ValueError as exc:
            raise InvalidInput("body", str(exc).splitlines()[0]) from None
        return create(session=session, data=data_new, organisation_id=entry.organisation_id, actor=actor,
                      root=entry)  # fmt: skip
    ENTRY_LIFECYCLE.next_state(entry.status, "edit")
    merged = {k: getattr(entry, k) for k in CONTENT} | changes
    try:
        s.EntryBase.model_validate(merged)  # the whole entry must stay valid (e.g. valid_to after valid_from)
    except ValueError as exc:
        raise InvalidInput("body", str(exc).splitlines()[0]) from None
    before = events.snapshot(entry, TRACKED)
    for key, value in changes.items():
        setattr(entry, key, value)
    session.flush()
    _record(session, entry, "edit", actor, before)
    return entry


def apply_action(*, session: Session, entry: KnowledgeEntry, action: str, actor: str,
                 reason: str | None = None) -> KnowledgeEntry:  # fmt: skip
    """Run one lifecycle action; refused (nothing changed) unless the transition table allows it."""
    if action not in ACTIONS:
        raise InvalidInput("action", f"unknown knowledge entry action '{action}'")
    target = ENTRY_LIFECYCLE.next_state(entry.status, action)
    now = utcnow()
    if action == "publish" and entry.valid_to is not None and as_utc(entry.valid_to) <= now:
        raise InvalidInput("valid_to", "the entry has already expired; set a later valid_to first")
    before = events.snapshot(entry, TRACKED)
    if action == "publish":
        # The previously published version of the same entry is replaced in the same transaction.
        for old in session.scalars(
            select(KnowledgeEntry).where(
                KnowledgeEntry.root_id == entry.root_id,
                KnowledgeEntry.id != entry.id,
                KnowledgeEntry.status == EntryStatus.PUBLISHED,
            )
        ):
            old_before = events.snapshot(old, TRACKED)
            old.status = ENTRY_LIFECYCLE.next_state(old.status, "supersede")
            old.retired_at = now
            session.flush()
            _record(session, old, "supersede", actor, old_before, note=f"replaced by version {entry.version}")
        entry.published_at = now
    elif action == "retire":
        entry.retired_at = now
    if reason is not None:
        entry.last_reason = reason
    entry.status = target
    session.flush()
    _record(session, entry, action, actor, before, note=reason)
    return entry


def to_read(entry: KnowledgeEntry) -> s.EntryRead:
    read = s.EntryRead.model_validate(entry)
    actions = [a for a in ENTRY_LIFECYCLE.allowed_actions(entry.status) if a != "supersede"]
    read.allowed_actions = actions
    return read
