"""The item list in force: the packaged default until an edit is stored; edits take effect without a restart."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from liandong.config import get_settings
from liandong.core.errors import InvalidInput
from liandong.events import service as events
from liandong.triage.engine import Triager
from liandong.triage.models import RuleSetVersion
from liandong.triage.ruleedit import add_keywords, remove_keywords, upsert_rule
from liandong.triage.ruleset import RuleSet, RuleSetError
from liandong.triage.schemas import Decision

_lock = threading.Lock()
_cache: dict[tuple[int, str], RuleSet] = {}
# The version in force per database, remembered for settings.rules_check_seconds: the lookup cost about a tenth of
# an intake request's CPU. An edit made in this process is seen at once; one made elsewhere within that time.
_latest: dict[str, tuple[float, tuple[int, str] | None]] = {}


@lru_cache
def _triager() -> Triager:
    return Triager()


def latest(session: Session) -> tuple[int, str] | None:
    ttl = get_settings().rules_check_seconds
    database = str(session.get_bind().engine.url)
    now = time.monotonic()
    known = _latest.get(database)
    if ttl > 0 and known is not None and now < known[0]:
        return known[1]
    row = session.execute(
        select(RuleSetVersion.id, RuleSetVersion.content_hash).order_by(RuleSetVersion.id.desc()).limit(1)
    ).first()
    found = (row[0], row[1]) if row else None
    _latest[database] = (now + ttl, found)
    return found


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
    _latest.clear()
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
