"""The CLI on a fresh SQLite database: migrate, demo, export, all-or-nothing import."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from liandong.cli import app
from liandong.config import get_settings
from liandong.database import create_db_engine, make_session_factory
from liandong.intake.models import ServiceRequest
from liandong.workorder.models import WorkOrder

runner = CliRunner()


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("LIANDONG_DATABASE_URL", url)
    get_settings.cache_clear()
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    yield url
    get_settings.cache_clear()


def count(url: str, model: type) -> int:
    with make_session_factory(create_db_engine(url))() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_demo_replays_a_day(db_url: str) -> None:
    result = runner.invoke(app, ["demo", "--requests", "30"])
    assert result.exit_code == 0, result.output
    assert count(db_url, ServiceRequest) == 30
    assert count(db_url, WorkOrder) > 0
    assert runner.invoke(app, ["db", "check"]).exit_code == 0


def test_export_then_import_round_trip(db_url: str, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    rows = [{"channel": "web", "content": f"第{i}条诉求", "caller_phone": "13800138000"} for i in range(5)]
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["import", "requests", str(src)])
    assert result.exit_code == 0, result.output
    assert count(db_url, ServiceRequest) == 5
    out = tmp_path / "out.jsonl"
    assert runner.invoke(app, ["export", "requests", "-o", str(out)]).exit_code == 0
    exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["content"] for r in exported] == [r["content"] for r in rows]
    assert all(r["caller_phone"] == "138****8000" for r in exported)
    csv_out = tmp_path / "out.csv"
    assert runner.invoke(app, ["export", "requests", "-o", str(csv_out), "--format", "csv"]).exit_code == 0
    assert csv_out.read_text(encoding="utf-8").count("\n") == 6
    csv_in = tmp_path / "in.csv"
    csv_in.write_text("channel,content\nphone,路灯不亮\nsms,噪音扰民\n", encoding="utf-8")
    assert runner.invoke(app, ["import", "requests", str(csv_in)]).exit_code == 0
    assert count(db_url, ServiceRequest) == 7


@pytest.mark.parametrize(
    "content",
    [
        '{"channel": "web", "content": "好的"}\n{"channel": "web", "content": ',
        '{"channel": "web", "content": "好的"}\n{"channel": "carrier-pigeon", "content": "x"}\n',
        '{"channel": "web", "content": "好的"}\n[1, 2]\n',
        '{"channel": "web", "content": "好的"}\n{"channel": "web", "content": "x", "adcode": "999999"}\n',
    ],
)
def test_bad_import_writes_nothing(db_url: str, tmp_path: Path, content: str) -> None:
    src = tmp_path / "bad.jsonl"
    src.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["import", "requests", str(src)])
    assert result.exit_code == 2
    assert "nothing written" in result.output
    assert "line 2" in result.output or "adcode" in result.output
    assert count(db_url, ServiceRequest) == 0


def test_non_utf8_import_refused(db_url: str, tmp_path: Path) -> None:
    src = tmp_path / "gbk.jsonl"
    src.write_bytes('{"channel": "web", "content": "路灯"}'.encode("gbk"))
    result = runner.invoke(app, ["import", "requests", str(src)])
    assert result.exit_code == 2 and "UTF-8" in result.output
    assert count(db_url, ServiceRequest) == 0


def test_command_line_changes_are_audited(tmp_path: Path) -> None:
    """A fresh process (as the worker and an operator's shell are) audits what it writes, as the API does."""
    import os
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'audited.db'}"
    env = {**os.environ, "LIANDONG_DATABASE_URL": url}
    src = tmp_path / "in.jsonl"
    src.write_text('{"channel": "web", "content": "路灯不亮"}\n', encoding="utf-8")
    for args in (["db", "upgrade"], ["import", "requests", str(src)]):
        done = subprocess.run(
            [sys.executable, "-m", "liandong", *args], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    from liandong.security.models import AuditEntry

    with make_session_factory(create_db_engine(url))() as s:
        actions = {(e.action, e.actor) for e in s.scalars(select(AuditEntry))}
    assert ("requests.create", "system") in actions
