"""FAQ mining (高频咨询归集): cluster a period's consultation requests into proposals the departments decide."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from liandong.core.errors import Conflict, InvalidInput, NotFound
from liandong.core.timeutil import utcnow
from liandong.events import service as events
from liandong.intake.models import ServiceRequest
from liandong.knowledge import runtime, service
from liandong.knowledge.enums import EntryStatus, ProposalStatus
from liandong.knowledge.lifecycle import PROPOSAL_LIFECYCLE
from liandong.knowledge.mining import ConsultText, ProposalKind, mine_faq
from liandong.knowledge.models import FaqProposal, KnowledgeEntry
from liandong.knowledge.query import unit_candidates
from liandong.knowledge.schemas import AcceptBody, EntryBase, EntryUpdate, MineBody
from liandong.security import pii
from liandong.security.enums import Perm
from liandong.security.principal import Principal

ENTITY = "faq_proposal"
CONSULT = "咨询"
# Embedding costs ~20 ms per request head on one core: mine at most this many (the most recent) per call.
MAX_MINED = 2000
TRACKED = ("status", "result_entry_id", "reason", "decided_by", "decided_at")


def _consultations(session: Session, body: MineBody) -> list[ServiceRequest]:
    stmt = (
        select(ServiceRequest)
        .where(ServiceRequest.received_at >= body.since, ServiceRequest.received_at < body.until)
        .order_by(ServiceRequest.received_at.desc())
        .limit(MAX_MINED * 3)
    )
    rows = [
        r
        for r in session.scalars(stmt)
        if isinstance(r.triage, dict) and r.triage.get("request_type") == CONSULT
    ]
    return rows[:MAX_MINED]


def mine(*, session: Session, body: MineBody, actor: str) -> list[FaqProposal]:
    """Store one open proposal per high-frequency cluster (skipping questions already proposed and open)."""
    embedder = runtime.current_embedder()
    if embedder is None:
        raise Conflict("FAQ mining needs the embedding model, which this deployment disabled")
    reqs = _consultations(session, body)
    by_id = {r.id: r for r in reqs}
    items = [ConsultText(item_id=r.id, text=f"{r.title or ''} {r.content}".strip(), created_at=r.received_at)
             for r in reqs]  # fmt: skip
    clusters = mine_faq(items=items, embedder=embedder, index=runtime.entry_index(session),
                        min_size=body.min_size, top_n=body.top_n)  # fmt: skip
    open_questions = set(
        session.scalars(select(FaqProposal.question).where(FaqProposal.status == ProposalStatus.OPEN))
    )
    out = []
    for cluster in clusters:
        prop = cluster.proposal
        question = prop.question[:500] or (cluster.keywords[0] if cluster.keywords else "")
        if not question or question in open_questions:
            continue
        members = [by_id[int(str(e.item_id))] for e in cluster.examples]
        category = _most_common(r.triage.get("category") for r in members if isinstance(r.triage, dict))
        entry = session.get(KnowledgeEntry, int(prop.entry_id)) if prop.entry_id is not None else None
        owner = entry.organisation_id if entry is not None else _owner(session, members, category)
        row = FaqProposal(
            kind=prop.kind.value if entry is not None else ProposalKind.NEW.value,
            question=question, keywords=list(cluster.keywords), volume=cluster.size,
            example_request_ids=[r.id for r in members],
            examples=[pii.mask_text(r.content[:300]) or "" for r in members],
            category=(entry.category if entry is not None else category), organisation_id=owner,
            entry_id=entry.id if entry is not None else None, similarity=round(float(prop.similarity), 4),
            period_since=body.since, period_until=body.until, created_by=actor,
        )  # fmt: skip
        session.add(row)
        session.flush()
        events.record(session=session, entity_type=ENTITY, entity_id=row.id, action="propose", actor=actor,
                      before={}, after=events.snapshot(row, (*TRACKED, "kind", "question", "volume",
                      "organisation_id", "entry_id")), to_state=row.status)  # fmt: skip
        open_questions.add(question)
        out.append(row)
    session.commit()
    return out


def _most_common(values: Any) -> str | None:
    counts = Counter(v for v in values if v)
    return counts.most_common(1)[0][0] if counts else None


def _owner(session: Session, members: list[ServiceRequest], category: str | None) -> int | None:
    """The department whose responsibility list covers the category (ranked by the requests' region)."""
    if category is None:
        return None
    adcode = _most_common(r.adcode for r in members)
    for unit in unit_candidates(session=session, adcode=adcode, category=category):
        if unit.get("category_match"):
            return int(unit["id"])
    return None


def visible(stmt: Select[Any], principal: Principal) -> Select[Any]:
    if principal.can(Perm.KNOWLEDGE_WRITE):
        return stmt
    return stmt.where(FaqProposal.organisation_id == principal.organisation_id)


def list_proposals(*, session: Session, principal: Principal, status: str | None, limit: int, offset: int
                   ) -> tuple[list[FaqProposal], int]:  # fmt: skip
    stmt = visible(select(FaqProposal), principal)
    if status:
        stmt = stmt.where(FaqProposal.status == status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(FaqProposal.volume.desc(), FaqProposal.id).limit(limit).offset(offset)
    )
    return list(rows), total


def require_visible(*, session: Session, proposal_id: int, principal: Principal) -> FaqProposal:
    """A proposal the caller may see; another department's answers 404."""
    row = session.get(FaqProposal, proposal_id)
    if row is None or (
        not principal.can(Perm.KNOWLEDGE_WRITE)
        and (row.organisation_id is None or row.organisation_id != principal.organisation_id)
    ):
        raise NotFound(ENTITY, proposal_id)
    return row


def _decide(session: Session, row: FaqProposal, action: str, actor: str, **changes: Any) -> None:
    target = PROPOSAL_LIFECYCLE.next_state(row.status, action)
    before = events.snapshot(row, TRACKED)
    for key, value in changes.items():
        setattr(row, key, value)
    row.status, row.decided_by, row.decided_at = target, actor, utcnow()
    session.flush()
    events.record(session=session, entity_type=ENTITY, entity_id=row.id, action=action, actor=actor,
                  before=before, after=events.snapshot(row, TRACKED), from_state=before["status"],
                  to_state=target, note=changes.get("reason"))  # fmt: skip


def accept(*, session: Session, proposal_id: int, body: AcceptBody, principal: Principal) -> FaqProposal:
    """Accept: a new draft entry, or the next draft version of the matched entry; one commit."""
    row = require_visible(session=session, proposal_id=proposal_id, principal=principal)
    PROPOSAL_LIFECYCLE.next_state(row.status, "accept")
    question = body.question or row.question
    if row.entry_id is not None:
        entry = service.require(session=session, entry_id=row.entry_id)
        variants = list(entry.variants or [])
        if row.question != entry.question and row.question not in variants and len(variants) < 50:
            variants.append(row.question[:200])
        update = EntryUpdate(answer=body.answer, variants=variants, source_document=body.source_document)
        if entry.status not in (EntryStatus.PUBLISHED, EntryStatus.DRAFT):
            raise Conflict(f"entry {entry.id} is {entry.status}; it can no longer be updated from a proposal")
        result = service.edit(session=session, entry=entry, data=update, actor=principal.actor)
    else:
        owner = row.organisation_id or principal.organisation_id
        if owner is None:
            raise InvalidInput(
                "organisation_id", "the proposal has no owning department; a department accepts it"
            )
        data = EntryBase(question=question, answer=body.answer, category=row.category,
                         source_document=body.source_document)  # fmt: skip
        result = service.create(session=session, data=data, organisation_id=owner, actor=principal.actor)
    _decide(session, row, "accept", principal.actor, result_entry_id=result.id)
    session.commit()
    return row


def reject(*, session: Session, proposal_id: int, reason: str, principal: Principal) -> FaqProposal:
    row = require_visible(session=session, proposal_id=proposal_id, principal=principal)
    _decide(session, row, "reject", principal.actor, reason=reason)
    session.commit()
    return row
