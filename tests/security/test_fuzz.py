"""Schemathesis against the OpenAPI of a running server: no 5xx, every response as the schema says."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings

from liandong.api.app import create_app
from liandong.config import Settings
from liandong.database import create_db_engine, make_session_factory
from liandong.database.migrate import upgrade
from liandong.demo import city
from liandong.security import service as security
from liandong.security.schemas import TokenCreate

# No 5xx and every response as documented. Schema-valid input may still be refused by a domain rule (an adcode that
# is well-formed but unknown), so positive_data_acceptance is not one of them.
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]

# Endpoints that stream forever or need a running call; each is covered by its own tests.
EXCLUDED = r"(/stream$|/live)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{tmp / 'fuzz.db'}"
    upgrade(url)
    factory = make_session_factory(create_db_engine(url))
    with factory() as session:
        city.seed(session=session)
        _, token = security.create_api_token(session=session, data=TokenCreate(name="fuzz", role="admin"))
        session.commit()
    settings_ = Settings(
        environment="test",
        database_url=url,
        data_dir=tmp,
        secret_key="fuzz-secret-key-for-liandong-0123456789abcdef",
    )
    app = create_app(settings_, session_factory=factory)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    yield base, token
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="session")
def api_schema(live_server: tuple[str, str]) -> schemathesis.BaseSchema:
    base, _ = live_server
    return schemathesis.openapi.from_url(f"{base}/openapi.json").exclude(path_regex=EXCLUDED)


def _operations() -> list[tuple[str, str]]:
    """(method, path) of every operation, read from the app without a server, for parametrisation."""
    app = create_app(Settings(environment="test", database_url="sqlite://"))
    return [
        (method.upper(), path)
        for path, ops in app.openapi()["paths"].items()
        if not re.search(EXCLUDED, path)
        for method in ops
    ]


@pytest.mark.slow
@pytest.mark.parametrize(("method", "path"), _operations())
def test_api_conforms(
    api_schema: schemathesis.BaseSchema, live_server: tuple[str, str], method: str, path: str
) -> None:
    _, token = live_server
    operation = api_schema[path][method]

    @settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(case=operation.as_strategy())
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

    run()
