"""What the intake hot path remembers between calls, and for how long: reserved ids and the item-list version."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from liandong.config import Settings
from liandong.database import idblocks
from liandong.intake import flows
from liandong.intake.models import ServiceRequest
from liandong.intake.schemas import RequestCreate
from liandong.security import audit
from liandong.security.models import AuditEntry
from liandong.triage import RuleSet, store
from liandong.triage.models import RuleSetVersion


def test_numbers_are_made_from_ids_reserved_before_the_insert(
    session_factory: sessionmaker[Session],
) -> None:
    audit.install()
    ids = []
    for i in range(idblocks.BLOCK + 3):  # past the end of one reserved block
        with session_factory() as s:
            req = flows.receive(
                session=s, data=RequestCreate(channel="phone", content=f"路灯不亮 {i}"), actor="t"
            )
            ids.append(req.id)
            assert req.number is not None and req.number.endswith(f"{req.id:08d}")
    assert len(set(ids)) == len(ids)
    with session_factory() as s:
        stored = s.execute(select(ServiceRequest.id, ServiceRequest.number)).all()
        assert sorted(i for i, _ in stored) == sorted(ids)
        assert all(number.endswith(f"{i:08d}") for i, number in stored)
        # One audit row per request: on PostgreSQL the number goes in with the insert, not by a second UPDATE.
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "requests")).all()
        updates = 0 if s.get_bind().dialect.name == "postgresql" else len(ids)
        assert sorted(actions) == ["requests.create"] * len(ids) + ["requests.update"] * updates


def test_reserve_is_postgresql_only(session: Session) -> None:
    reserved = idblocks.reserve(session=session, table="requests")
    assert (reserved is None) == (session.get_bind().dialect.name == "sqlite")


@pytest.fixture
def memo_seconds(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    clock = [1000.0]
    monkeypatch.setattr(store, "get_settings", lambda: Settings(rules_check_seconds=2))
    monkeypatch.setattr(store.time, "monotonic", lambda: clock[0])
    store._latest.clear()
    yield clock
    store._latest.clear()


def test_an_item_list_edit_elsewhere_is_seen_within_rules_check_seconds(
    session: Session, memo_seconds: list[float]
) -> None:
    assert store.latest(session) is None
    rules = RuleSet.default()
    # Written by another process: this one has not seen it yet.
    row = RuleSetVersion(version="x", content_hash=rules.hash, yaml=rules.to_yaml(), note="n", created_by="t")
    session.add(row)
    session.flush()
    assert store.latest(session) is None
    memo_seconds[0] += 2
    assert store.latest(session) == (row.id, rules.hash)


def test_an_item_list_edit_in_this_process_is_seen_at_once(
    session: Session, memo_seconds: list[float]
) -> None:
    assert store.latest(session) is None
    saved = store.save(session=session, rules=RuleSet.default(), actor="t", note="edit")
    assert store.latest(session) == (saved.id, saved.content_hash)
