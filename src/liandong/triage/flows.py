"""Item-list and consultation use cases; each commits once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from liandong.linkage import consultation
from liandong.linkage.models import ConsultationItem
from liandong.triage import store
from liandong.triage.models import RuleSetVersion


def replace_rules(*, session: Session, text: str, actor: str, note: str) -> RuleSetVersion:
    row = store.replace_yaml(session=session, text=text, actor=actor, note=note)
    session.commit()
    return row


def edit_keywords(
    *, session: Session, rule_id: str, add: Sequence[str], remove: Sequence[str], actor: str, note: str
) -> RuleSetVersion:
    row = store.edit_keywords(
        session=session, rule_id=rule_id, add=add, remove=remove, actor=actor, note=note
    )
    session.commit()
    return row


def detect_consultations(*, session: Session, since: datetime, min_disputes: int) -> list[ConsultationItem]:
    items = consultation.detect(session=session, since=since, min_disputes=min_disputes)
    session.commit()
    return items


def decide_consultation(
    *,
    session: Session,
    item_id: int,
    platform: str,
    handling_norm: str,
    keywords: list[str],
    unit_id: int | None,
    actor: str,
) -> ConsultationItem:
    item = consultation.decide(
        session=session,
        item_id=item_id,
        platform=platform,
        handling_norm=handling_norm,
        keywords=keywords,
        unit_id=unit_id,
        actor=actor,
    )
    session.commit()
    return item
