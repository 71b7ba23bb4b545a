"""Shared fixtures: every database test runs on SQLite and, when LIANDONG_TEST_DATABASE_URL is set, PostgreSQL.

Each test runs inside one outer transaction that is rolled back, so flows may commit (a savepoint) freely.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

os.environ.setdefault("LIANDONG_ENVIRONMENT", "test")
os.environ.setdefault("LIANDONG_SECRET_KEY", "test-secret-key-for-liandong-suite-0123456789")
# Per-test rollbacks undo item-list edits: a process-wide memory of the version in force would outlive them.
os.environ.setdefault("LIANDONG_RULES_CHECK_SECONDS", "0")

from liandong.config import Settings
from liandong.database import idblocks
from liandong.database.core import create_db_engine
from liandong.database.migrate import upgrade

# Shared 2-core machines make generation slow at times: that is not a failure of the code under test.
hypothesis_settings.register_profile(
    "liandong", deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
hypothesis_settings.load_profile("liandong")

PG_URL = os.environ.get("LIANDONG_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _migrated_engine(backend: str, tmp: Path) -> Engine:
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'test.db'}"
    else:
        assert PG_URL is not None
        url = PG_URL
        engine = create_db_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        idblocks.forget()
        engine.dispose()
    upgrade(url)
    return create_db_engine(url)


@pytest.fixture(scope="session")
def _engines() -> Iterator[dict[str, Engine]]:
    with tempfile.TemporaryDirectory() as tmp:
        engines = {b: _migrated_engine(b, Path(tmp)) for b in BACKENDS}
        yield engines
        for engine in engines.values():
            engine.dispose()


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, _engines: dict[str, Engine]) -> Engine:
    return _engines[request.param]


@pytest.fixture
def session_factory(engine: Engine) -> Iterator[sessionmaker[Session]]:
    connection = engine.connect()
    outer = connection.begin()
    factory = sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint", autoflush=True
    )
    yield factory
    outer.rollback()
    connection.close()


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as s:
        yield s


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        environment="test", data_dir=tmp_path, secret_key="test-secret-key-for-liandong-suite-0123456789"
    )


def issue_token(
    session: Session, role: str, organisation_id: int | None = None, scopes: list[str] | None = None
) -> str:
    """A bearer token for `role` (committed), as a system integration or console login would hold."""
    from liandong.security import service as security
    from liandong.security.schemas import TokenCreate

    data = TokenCreate(name=f"test {role}", role=role, organisation_id=organisation_id, scopes=scopes or [])
    _, raw = security.create_api_token(session=session, data=data)
    session.commit()
    return raw


@pytest.fixture
def app(session_factory: sessionmaker[Session], settings: Settings) -> object:
    from liandong.api.app import create_app

    return create_app(settings, session_factory=session_factory)


@pytest.fixture
def anon(app: object) -> Iterator[TestClient]:
    """A client with no credentials."""
    with TestClient(app) as c:  # type: ignore[arg-type]
        yield c


@pytest.fixture
def client(app: object, session: Session) -> Iterator[TestClient]:
    """A client authenticated as an administrator."""
    with TestClient(app, headers={"Authorization": f"Bearer {issue_token(session, 'admin')}"}) as c:  # type: ignore[arg-type]
        yield c


@pytest.fixture
def as_role(app: object, session: Session) -> Iterator[object]:
    """Factory: `as_role("unit_staff", organisation_id=3)` -> a TestClient holding that role's token."""
    clients: list[TestClient] = []

    def make(role: str, organisation_id: int | None = None, scopes: list[str] | None = None) -> TestClient:
        token = issue_token(session, role, organisation_id, scopes)
        c = TestClient(app, headers={"Authorization": f"Bearer {token}"})  # type: ignore[arg-type]
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.close()
