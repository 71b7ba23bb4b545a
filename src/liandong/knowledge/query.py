"""Read-side use cases: search published entries, and the seat's recommendation for a request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liandong.intake.models import ServiceRequest
from liandong.knowledge import runtime
from liandong.knowledge.models import KnowledgeEntry
from liandong.knowledge.schemas import SearchHit, SearchResult
from liandong.security import pii
from liandong.triage import candidates, store
from liandong.workorder.models import WorkOrder

MAX_QUERY_CHARS = 2000


def search(
    *, session: Session, q: str, k: int = 5, region: str | None = None, category: str | None = None,
    at: datetime | None = None,
) -> SearchResult:  # fmt: skip
    """Best published, currently valid entries for a query, with scores and the matched part."""
    index = runtime.entry_index(session)
    hits = index.search(q[:MAX_QUERY_CHARS], k=k, region=region, category=category, at=at)
    rows = {e.id: e for e in session.scalars(select(KnowledgeEntry).where(
        KnowledgeEntry.id.in_([int(h.entry_id) for h in hits])))}  # fmt: skip
    items = []
    for h in hits:
        doc = index.get(h.entry_id)
        entry = rows.get(int(h.entry_id))
        if doc is None or entry is None or entry.status != "published":
            continue  # retired between the index refresh and now
        items.append(
            SearchHit(
                entry_id=entry.id,
                score=round(h.score, 4),
                bm25=round(h.bm25, 4),
                dense=round(h.dense, 4),
                matched=h.matched,
                question=entry.question,
                answer=entry.answer,
                category=entry.category,
                organisation_id=entry.organisation_id,
                version=entry.version,
            )
        )
    return SearchResult(query=q[:200], items=items)


def unit_candidates(*, session: Session, adcode: str | None, category: str | None) -> list[dict[str, Any]]:
    """Handling units ranked by region and responsibility list, as triage ranks them."""
    return [
        u.model_dump() for u in candidates.candidate_units(session=session, adcode=adcode, category=category)
    ]


def recommend(*, session: Session, req: ServiceRequest, k: int = 3) -> dict[str, Any]:
    """For a request at the seat: top answers, similar past cases with their outcome, recommended units."""
    text = f"{req.title or ''} {req.content}".strip()
    decision = req.triage if isinstance(req.triage, dict) and req.triage.get("platform") else None
    if decision is None:
        decision = store.decide(session=session, text=text).model_dump(mode="json")
    answers = search(session=session, q=text, k=k, region=req.adcode)
    cases_index = runtime.case_index(session)
    hits = cases_index.search(text, k=k + 5, region=None)
    orders = {o.id: o for o in session.scalars(select(WorkOrder).where(
        WorkOrder.id.in_([int(h.entry_id) for h in hits])))}  # fmt: skip
    cases = []
    for h in hits:
        order = orders.get(int(h.entry_id))
        if order is None or order.request_id == req.id:
            continue
        cases.append({
            "work_order_id": order.id, "number": order.number, "request_id": order.request_id,
            "status": order.status, "handle_opinion": order.handle_opinion, "category": order.category,
            "handling_unit_id": order.handling_unit_id, "summary": pii.mask_text(order.summary[:300]) or "",
            "score": round(h.score, 4), "matched": h.matched,
        })  # fmt: skip
        if len(cases) >= k:
            break
    units = unit_candidates(session=session, adcode=req.adcode, category=decision.get("category"))
    return {
        "request_id": req.id,
        "triage": {key: decision.get(key) for key in ("platform", "emergency", "request_type", "category")},
        "answers": [a.model_dump() for a in answers.items],
        "similar_cases": cases,
        "units": units,
    }
