"""会商: find items in dispute between 12345 and 110, record the decision, and change the item list so it sticks."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from liandong.core.errors import InvalidInput, NotFound
from liandong.core.timeutil import utcnow
from liandong.events import service as events
from liandong.intake.models import ServiceRequest
from liandong.linkage.lifecycle import CONSULTATION_LIFECYCLE
from liandong.linkage.models import ConsultationItem, Transfer
from liandong.reference.models import Organisation
from liandong.triage import store

DISPUTED = {"refused", "expired"}


def detect(*, session: Session, since: datetime, min_disputes: int = 2) -> list[ConsultationItem]:
    """Requests refused, timed out or transferred more than once since `since`, grouped by triage category."""
    rows = session.execute(
        select(Transfer.request_id, Transfer.status, ServiceRequest.triage)
        .join(ServiceRequest, ServiceRequest.id == Transfer.request_id)
        .where(Transfer.created_at >= since)
    ).all()
    per_request: dict[int, list[str]] = defaultdict(list)
    topic_of: dict[int, str] = {}
    for request_id, status, triage in rows:
        per_request[request_id].append(status)
        topic_of[request_id] = str((triage or {}).get("category") or "未分类")
    disputed = [rid for rid, statuses in per_request.items() if len(statuses) > 1 or DISPUTED & set(statuses)]
    by_topic: dict[str, list[int]] = defaultdict(list)
    for rid in sorted(disputed):
        by_topic[topic_of[rid]].append(rid)
    items = []
    now = utcnow()
    for topic, request_ids in sorted(by_topic.items()):
        if len(request_ids) < min_disputes:
            continue
        item = session.scalar(
            select(ConsultationItem).where(ConsultationItem.topic == topic, ConsultationItem.status == "open")
        )
        if item is None:
            item = ConsultationItem(topic=topic, first_seen=now, request_ids=[])
            session.add(item)
        merged = sorted(set(item.request_ids or []) | set(request_ids))
        item.request_ids = merged
        item.dispute_count = len(merged)
        item.last_seen = now
        items.append(item)
    session.flush()
    return items


def decide(
    *,
    session: Session,
    item_id: int,
    platform: str,
    handling_norm: str,
    keywords: list[str],
    unit_id: int | None,
    actor: str,
) -> ConsultationItem:
    """Record who is responsible and how it is handled; the keywords become a rule of the item list."""
    item = session.get(ConsultationItem, item_id)
    if item is None:
        raise NotFound("consultation item", item_id)
    decided = CONSULTATION_LIFECYCLE.next_state(item.status, "decide")
    if unit_id is not None and session.get(Organisation, unit_id) is None:
        raise InvalidInput("unit_id", f"unknown organisation {unit_id}")
    cleaned = [k.strip() for k in keywords if k.strip()]
    if not cleaned:
        raise InvalidInput("keywords", "name at least one word that identifies the disputed matter")
    rule = {
        "id": f"consultation-{item.id}",
        "platform": platform,
        "title": f"会商决定: {item.topic}"[:200],
        "reason": f"会商决定 #{item.id}: {handling_norm}"[:500],
        "keywords": cleaned,
        # Strong enough to settle the route on its own: the point of 会商 is that the dispute does not recur.
        "weight": 4.0,
    }
    version = store.put_rule(session=session, rule=rule, actor=actor, note=f"会商 #{item.id}: {item.topic}")
    item.status = decided
    item.responsible_platform = platform
    item.responsible_unit_id = unit_id
    item.handling_norm = handling_norm
    item.keywords = cleaned
    item.rules_version_id = version.id
    item.decided_by = actor
    item.decided_at = utcnow()
    session.flush()
    events.record(
        session=session,
        entity_type="consultation",
        entity_id=item.id,
        action="decide",
        actor=actor,
        before={"status": "open"},
        after={"status": "decided", "platform": platform, "rules_version_id": version.id},
        note=handling_norm[:2000],
    )
    return item


def list_items(*, session: Session, status: str | None = None) -> list[ConsultationItem]:
    stmt = select(ConsultationItem).order_by(ConsultationItem.dispute_count.desc(), ConsultationItem.id)
    if status:
        stmt = stmt.where(ConsultationItem.status == status)
    return list(session.scalars(stmt))
