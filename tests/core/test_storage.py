"""Migrations match the models; the event log replays to the current state; settings are validated."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from pydantic import ValidationError
from sqlalchemy import Column, Engine, MetaData, String
from sqlalchemy.orm import Session
from tests.factories import make_unit, make_work_order

from liandong.config import Settings
from liandong.database import models  # noqa: F401
from liandong.database.core import Base
from liandong.database.migrate import pending_changes
from liandong.events import service as events
from liandong.workorder import service as workorders
from liandong.workorder.models import WorkOrder
from liandong.workorder.schemas import CompleteBody, NoteBody, UnitBody, VisitBody


def test_models_and_migrations_agree(engine: Engine) -> None:
    assert pending_changes(engine) == []


def test_a_model_change_without_migration_is_detected(engine: Engine) -> None:
    changed = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["work_orders"].append_column(Column("unmigrated", String(10)))
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), changed)
    assert any(d[0] == "add_column" and d[3].name == "unmigrated" for d in diff)


def test_event_log_replays_to_current_state(session: Session) -> None:
    unit = make_unit(session)
    order = make_work_order(session)
    for action, body in [
        ("dispatch", UnitBody(handling_unit_id=unit.id)),
        ("sign", NoteBody()),
        ("complete", CompleteBody(opinion="办结")),
        ("visit", VisitBody(satisfaction=4)),
    ]:
        workorders.apply_action(session=session, order=order, action=action, body=body, actor="t")
    session.commit()
    replayed = events.replay(events.history(session=session, entity_type="work_order", entity_id=order.id))
    current = events.snapshot(session.get(WorkOrder, order.id), workorders.TRACKED)
    for field, value in current.items():
        assert replayed.get(field) == value, field


def test_production_refuses_placeholder_secret() -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(environment="production", secret_key="change-me")
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(environment="production", secret_key="short-but-real")
    Settings(environment="production", secret_key="k" * 40)
    Settings(environment="development", secret_key="change-me")


def test_database_url_must_be_supported() -> None:
    with pytest.raises(ValidationError, match="DATABASE_URL"):
        Settings(database_url="mysql://root@localhost/x")
