"""Knowledge entry use cases; each commits once."""

from __future__ import annotations

from sqlalchemy.orm import Session

from liandong.knowledge import jobs, service
from liandong.knowledge.models import KnowledgeEntry
from liandong.knowledge.schemas import EntryCreate, EntryUpdate
from liandong.security.principal import Principal


def create(*, session: Session, data: EntryCreate, principal: Principal) -> KnowledgeEntry:
    """Draft a new entry for the caller's department (or the named one, for a supervisor)."""
    owner = service.owner_for(session=session, principal=principal, requested=data.organisation_id)
    entry = service.create(session=session, data=data, organisation_id=owner, actor=principal.actor)
    session.commit()
    return entry


def edit(*, session: Session, entry_id: int, data: EntryUpdate, principal: Principal) -> KnowledgeEntry:
    """Edit a draft, or draft the next version of a published entry."""
    entry = service.require(session=session, entry_id=entry_id)
    service.check_entry(principal, entry, "revise" if entry.status == "published" else "edit")
    result = service.edit(session=session, entry=entry, data=data, actor=principal.actor)
    session.commit()
    return result


def act(*, session: Session, entry_id: int, action: str, principal: Principal,
        reason: str | None = None) -> KnowledgeEntry:  # fmt: skip
    entry = service.require(session=session, entry_id=entry_id)
    service.check_entry(principal, entry, action)
    service.apply_action(session=session, entry=entry, action=action, actor=principal.actor, reason=reason)
    if action == "publish":
        jobs.queue_entry(
            session=session, entry_id=entry.id
        )  # its vector, stored by the worker within seconds
    session.commit()
    return entry
