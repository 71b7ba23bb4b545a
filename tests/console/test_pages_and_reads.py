"""Console pages, static assets, the public results and the supervisor overview, without a browser."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.core.helpers import counts
from tests.factories import make_unit, make_work_order

from liandong.core.timeutil import utcnow
from liandong.workorder.models import WorkOrder

STATIC = Path(__file__).resolve().parents[2] / "src" / "liandong" / "console"
URL = re.compile(r"https?://[^\s\"'`)]+")
# The SVG namespace is an identifier the DOM requires, never fetched.
ALLOWED_URLS = {"http://www.w3.org/2000/svg"}


@pytest.mark.parametrize("path", ["/console/login", "/console/seat", "/console/unit", "/console/supervisor",
                                  "/public", "/console/orders/1"])  # fmt: skip
def test_pages_are_shells_served_with_a_strict_policy(anon: TestClient, path: str) -> None:
    response = anon.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert '<script type="module" src="/console/static/js/' in response.text


def test_console_root_goes_to_login(anon: TestClient) -> None:
    response = anon.get("/console", follow_redirects=False)
    assert response.headers["location"] == "/console/login"


@pytest.mark.parametrize("path", ["/console/nope", "/console/public", "/console/%3Cscript%3E", "/console/" + "a" * 5000,
                                  "/console/static/../routes.py", "/console/static/%2e%2e/routes.py",
                                  "/console/static/js/missing.js"])  # fmt: skip
def test_unknown_or_hostile_paths_are_not_found(anon: TestClient, session: Session, path: str) -> None:
    before = counts(session)
    response = anon.get(path)
    assert response.status_code == 404
    assert "<script" not in response.text and "aaaa" not in response.text
    assert counts(session) == before


def test_order_page_rejects_a_non_numeric_id(anon: TestClient) -> None:
    assert anon.get("/console/orders/1;drop").status_code == 422


def test_static_assets_are_served(anon: TestClient) -> None:
    for path in ("/console/static/console.css", "/console/static/js/seat.js", "/console/static/js/i18n.js"):
        assert anon.get(path).status_code == 200


def test_nothing_references_an_outside_url() -> None:
    found = {
        (str(p.relative_to(STATIC)), url)
        for p in STATIC.rglob("*") if p.suffix in {".html", ".js", ".css"}
        for url in URL.findall(p.read_text(encoding="utf-8")) if url not in ALLOWED_URLS
    }  # fmt: skip
    assert found == set()


def _orders(session: Session) -> tuple[Any, Any]:
    unit = make_unit(session, name="测试住建局")
    done = make_work_order(session, unit=unit)
    for action, body in (("sign", {}), ("start", {}), ("complete", {"opinion": "已处理"})):
        done = _act(session, done.id, action, body)
    late = make_work_order(session, unit=unit)
    late.due_at = utcnow() - timedelta(days=2)
    session.commit()
    return unit, late


def _act(session: Session, order_id: int, action: str, body: dict[str, Any]) -> WorkOrder:
    from liandong.workorder import flows
    from liandong.workorder.schemas import ACTION_BODIES

    return flows.act(session=session, order_id=order_id, action=action, body=ACTION_BODIES[action](**body),
                     actor="test")  # fmt: skip


def test_public_results_are_aggregates_without_personal_data(anon: TestClient, session: Session) -> None:
    _orders(session)
    response = anon.get("/public/api/results")
    assert response.status_code == 200
    body = response.json()
    row = next(u for u in body["units"] if u["unit"] == "测试住建局")
    assert (row["total"], row["completed"], row["open"], row["overdue"]) == (2, 1, 1, 1)
    assert row["on_time_rate"] == 1.0
    text = response.text
    assert not re.search(r"1\d{10}|\*{4}", text)
    assert "张三" not in text and "油烟" not in text and "路灯" not in text and "社保" not in text


def test_public_results_ignore_query_input(anon: TestClient, session: Session) -> None:
    before = counts(session)
    response = anon.get(
        "/public/api/results", params={"unit": "'; drop table work_orders; --", "x" * 100: "y"}
    )
    assert response.status_code == 200
    assert counts(session) == before


@pytest.mark.parametrize(("role", "code"), [("unit_staff", 403), ("seat_12345", 403), ("seat_110", 403),
                                            ("auditor", 403), ("supervisor", 200), ("admin", 200)])  # fmt: skip
def test_overview_is_for_supervisors(as_role: Any, role: str, code: int) -> None:
    assert as_role(role).get("/console/api/overview").status_code == code


def test_overview_needs_a_login(anon: TestClient) -> None:
    assert anon.get("/console/api/overview").status_code == 401


def test_overview_shows_overdue_orders_kpis_and_districts(as_role: Any, session: Session) -> None:
    _, late = _orders(session)
    body = as_role("supervisor").get("/console/api/overview").json()
    assert late.id in {o["id"] for o in body["overdue"]}
    assert body["queue"]["open_orders"] >= 1
    assert body["kpis"]["on_time_rate"] == 1.0
    assert len(body["hourly"]) == 24 and sum(body["hourly"]) >= 2
    yuelu = next(d for d in body["districts"] if d["adcode"] == "430104")
    assert yuelu["name"] == "岳麓区" and yuelu["count"] >= 2
    assert "138" not in str(body["overdue"])
