"""会商: disputed items are found, decided, and the decision changes triage for the next caller."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.linkage.helpers import new_request, post

from liandong.triage.models import RuleSetVersion

AsRole = Callable[..., TestClient]
TEXT = "小区门口共享单车乱停乱放堵住消防通道, 找城管城管说找派出所"


def test_bounced_requests_become_a_consultation_that_updates_triage(
    session: Session, as_role: AsRole
) -> None:
    seat, police, boss = as_role("seat_12345"), as_role("seat_110"), as_role("supervisor")
    for _ in range(2):
        req = new_request(seat, TEXT)
        transfer = post(
            seat,
            "/api/v1/linkage/transfers",
            {"request_id": req["id"], "to_platform": "110", "reason": "占用消防通道"},
            201,
        )
        post(police, f"/api/v1/linkage/transfers/{transfer['id']}/refuse", {"reason": "不属于警务"})
    items = post(boss, "/api/v1/triage/consultations/detect")
    assert len(items) == 1 and items[0]["dispute_count"] == 2 and items[0]["status"] == "open"
    item = items[0]
    before = seat.post("/api/v1/triage/decide", json={"text": "共享单车堵住消防通道了"}).json()
    decided = post(
        boss,
        f"/api/v1/triage/consultations/{item['id']}/decide",
        {"platform": "12345", "handling_norm": "共享单车乱停放由城管部门负责清理", "keywords": ["共享单车"]},
    )
    assert decided["status"] == "decided" and decided["rules_version_id"]
    after = seat.post("/api/v1/triage/decide", json={"text": "共享单车堵住消防通道了"}).json()
    assert after["platform"] == "12345"
    assert any(r["rule"] == f"consultation-{item['id']}" for r in after["reasons"])
    assert after["rules_version"] != before["rules_version"] or after["reasons"] != before["reasons"]
    assert (
        boss.post(
            f"/api/v1/triage/consultations/{item['id']}/decide",
            json={"platform": "110", "handling_norm": "x", "keywords": ["x"]},
        ).status_code
        == 409
    )


def test_decide_input_is_checked_and_nothing_written(session: Session, as_role: AsRole) -> None:
    boss = as_role("supervisor")
    versions = session.scalar(select(func.count()).select_from(RuleSetVersion))
    assert (
        boss.post(
            "/api/v1/triage/consultations/999/decide",
            json={"platform": "12345", "handling_norm": "x", "keywords": ["x"]},
        ).status_code
        == 404
    )
    assert (
        boss.post(
            "/api/v1/triage/consultations/1/decide",
            json={"platform": "12345", "handling_norm": "x", "keywords": []},
        ).status_code
        == 422
    )
    assert as_role("seat_12345").post("/api/v1/triage/consultations/detect").status_code == 403
    assert session.scalar(select(func.count()).select_from(RuleSetVersion)) == versions
