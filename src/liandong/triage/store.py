"""The item list in force: the packaged default until an edit is stored; edits take effect without a restart."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from liandong.core.errors import InvalidInput
from liandong.events import service as events
from liandong.triage.engine import Triager
from liandong.triage.models import RuleSetVersion
from liandong.triage.ruleset import RuleSet, RuleSetError, add_keywords, remove_keywords, upsert_rule
from liandong.triage.schemas import Decision

_lock = threading.Lock()
_cache: dict[tuple[int, str], RuleSet] = {}


@lru_cache
def _triager() -> Triager:
    return Triager()


def latest(session: Session) -> tuple[int, str] | None:
    row = session.execute(
        select(RuleSetVersion.id, RuleSetVersion.content_hash).order_by(RuleSetVersion.id.desc()).limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def current_rules(*, session: Session) -> RuleSet:
    """The stored version in force (one indexed lookup per call), parsed once per version per process."""
    key = latest(session)
    if key is None:
        return _triager().rules
    with _lock:
        if key not in _cache:
            row = session.get(RuleSetVersion, key[0])
            assert row is not None
            _cache.clear()  # keep only the version in force
            _cache[key] = RuleSet.from_yaml(row.yaml, source=f"stored version {key[0]}")
        return _cache[key]


def decide(*, session: Session, text: str) -> Decision:
    """Triage with the item list in force (the model is loaded once per process)."""
    triager = _triager()
    rules = current_rules(session=session)
    return (
        triager.triage(text)
        if rules is triager.rules
        else Triager(rules=rules, model=triager.model).triage(text)
    )


def save(*, session: Session, rules: RuleSet, actor: str, note: str) -> RuleSetVersion:
    """Store a new version of the item list (an audited change; an event on the item list)."""
    row = RuleSetVersion(
        version=rules.version, content_hash=rules.hash, yaml=rules.to_yaml(), note=note, created_by=actor
    )
    session.add(row)
    session.flush()
    events.record(
        session=session,
        entity_type="triage_rules",
        entity_id=row.id,
        action="edit",
        actor=actor,
        before={},
        after={"version": rules.version, "hash": rules.hash},
        note=note[:2000],
    )
    return row


def replace_yaml(*, session: Session, text: str, actor: str, note: str) -> RuleSetVersion:
    try:
        rules = RuleSet.from_yaml(text, source="upload")
    except RuleSetError as exc:
        raise InvalidInput("yaml", str(exc)) from None
    return save(session=session, rules=rules, actor=actor, note=note)


def edit_keywords(
    *, session: Session, rule_id: str, add: Sequence[str], remove: Sequence[str], actor: str, note: str
) -> RuleSetVersion:
    rules = current_rules(session=session)
    try:
        if add:
            rules = add_keywords(rules, rule_id=rule_id, keywords=add)
        if remove:
            rules = remove_keywords(rules, rule_id=rule_id, keywords=remove)
    except RuleSetError as exc:
        raise InvalidInput("rule_id", str(exc)) from None
    return save(session=session, rules=rules, actor=actor, note=note)


def put_rule(*, session: Session, rule: dict[str, object], actor: str, note: str) -> RuleSetVersion:
    try:
        rules = upsert_rule(current_rules(session=session), rule=rule)
    except RuleSetError as exc:
        raise InvalidInput("rule", str(exc)) from None
    return save(session=session, rules=rules, actor=actor, note=note)


def history(*, session: Session, limit: int = 50) -> list[RuleSetVersion]:
    return list(session.scalars(select(RuleSetVersion).order_by(RuleSetVersion.id.desc()).limit(limit)))
