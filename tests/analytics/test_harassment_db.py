"""Harassment control: candidates, a person's review, a seat notice that never blocks, emergencies kept safe."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.analytics import db_data as d

from liandong.core.timeutil import utcnow
from liandong.events.models import Event

PEST = "13511112222"
HELP = "13633334444"
SCAN = "/api/v1/analytics/harassment/scan"


def _calls(session: Session, phone: str, n: int, content: str = "咨询一下") -> None:
    now = utcnow()
    for k in range(n):
        d.request(session, when=now - timedelta(minutes=5 * k + 1), phone=phone, content=content)
    session.commit()


@pytest.fixture
def supervisor(as_role: Callable[..., TestClient]) -> TestClient:
    return as_role("supervisor")


def test_scan_review_and_seat_notice(
    session: Session, supervisor: TestClient, as_role: Callable[..., TestClient]
) -> None:
    _calls(session, PEST, 22)
    _calls(session, "13900000001", 3)
    r = supervisor.post(SCAN, json={})
    assert r.status_code == 200, r.text
    (flag,) = r.json()
    assert flag["status"] == "pending" and flag["caller_masked"] == "135****2222"
    assert flag["restriction_allowed"] is True and flag["allowed_actions"] == ["confirm", "reject"]
    assert PEST not in r.text
    assert supervisor.post(SCAN, json={}).json()[0]["id"] == flag["id"]  # one open review per caller
    seat = as_role("seat_12345")
    before = seat.post("/api/v1/analytics/harassment/notice", json={"phone": PEST}).json()
    assert before == {"flagged": False, "notice": None, "flag_id": None, "block": False}
    done = supervisor.post(
        f"/api/v1/analytics/harassment/flags/{flag['id']}/review", json={"action": "confirm", "note": "核实"}
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "confirmed" and done.json()["reviewer"].startswith("supervisor:")
    notice = seat.post("/api/v1/analytics/harassment/notice", json={"phone": PEST}).json()
    assert notice["flagged"] is True and "请正常接听" in notice["notice"] and notice["block"] is False
    by_hash = seat.post(
        "/api/v1/analytics/harassment/notice", json={"caller_hash": flag["caller_hash"]}
    ).json()
    assert by_hash["flag_id"] == flag["id"]
    urgent = seat.post("/api/v1/analytics/harassment/notice", json={"phone": PEST, "emergency": True}).json()
    assert urgent["flagged"] is False and urgent["notice"] is None  # an emergency is handled as one
    events = session.scalars(select(Event.action).where(Event.entity_type == "harassment_flag")).all()
    assert events == ["propose", "update_evidence", "confirm"]
    again = supervisor.post(
        f"/api/v1/analytics/harassment/flags/{flag['id']}/review", json={"action": "confirm"}
    )
    assert again.status_code == 409 and again.json()["details"]["allowed_actions"] == ["revoke"]
    revoked = supervisor.post(
        f"/api/v1/analytics/harassment/flags/{flag['id']}/review", json={"action": "revoke"}
    )
    assert revoked.json()["status"] == "revoked"
    assert seat.post("/api/v1/analytics/harassment/notice", json={"phone": PEST}).json()["flagged"] is False
    listed = supervisor.get("/api/v1/analytics/harassment/flags", params={"status": "revoked"}).json()
    assert listed["total"] == 1


def test_recent_emergency_caller_is_never_restricted(session: Session, supervisor: TestClient) -> None:
    _calls(session, HELP, 21)
    d.incident(
        session, when=utcnow() - timedelta(days=3), category_code="07", phone=HELP, content="老人摔倒求助"
    )
    session.commit()
    (flag,) = supervisor.post(SCAN, json={}).json()
    assert flag["restriction_allowed"] is False and flag["evidence"]["recent_emergency_call_ids"]
    done = supervisor.post(
        f"/api/v1/analytics/harassment/flags/{flag['id']}/review", json={"action": "confirm"}
    )
    assert done.json()["status"] == "confirmed" and done.json()["restriction_allowed"] is False


def test_abusive_calls_are_candidates_and_rejection_is_recorded(
    session: Session, supervisor: TestClient
) -> None:
    _calls(session, PEST, 3, content="来电人辱骂：你们都是废物，傻逼")
    (flag,) = supervisor.post(SCAN, json={"frequent_calls": 50}).json()
    assert any("辱骂" in reason for reason in flag["reasons"])
    r = supervisor.post(
        f"/api/v1/analytics/harassment/flags/{flag['id']}/review", json={"action": "reject", "note": "误报"}
    )
    assert r.json()["status"] == "rejected" and r.json()["allowed_actions"] == []


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (SCAN, {"window_hours": 0}),
        (SCAN, {"window_hours": 10_000}),
        (SCAN, {"block": True}),
        ("/api/v1/analytics/harassment/flags/1/review", {"action": "block"}),
        ("/api/v1/analytics/harassment/flags/1/review", {"action": "confirm", "ttl_days": 9999}),
        ("/api/v1/analytics/harassment/flags/1/review", {"action": "confirm", "note": "x" * 2001}),
        ("/api/v1/analytics/harassment/flags/abc/review", {"action": "confirm"}),
        ("/api/v1/analytics/harassment/notice", {}),
        ("/api/v1/analytics/harassment/notice", {"phone": PEST, "caller_hash": "0" * 64}),
        ("/api/v1/analytics/harassment/notice", {"caller_hash": "not-a-hash"}),
        ("/api/v1/analytics/harassment/notice", {"phone": "1' or '1'='1"}),
    ],
)
def test_bad_harassment_input_is_refused(
    session: Session, client: TestClient, path: str, body: dict[str, object]
) -> None:
    before = d.counts(session)
    assert client.post(path, json=body).status_code == 422
    assert d.counts(session) == before


def test_review_of_unknown_flag_and_by_the_wrong_role(
    session: Session, client: TestClient, as_role: Callable[..., TestClient]
) -> None:
    assert (
        client.post(
            "/api/v1/analytics/harassment/flags/999999/review", json={"action": "confirm"}
        ).status_code
        == 404
    )
    _calls(session, PEST, 22)
    (flag,) = client.post(SCAN, json={}).json()
    before = d.counts(session)
    for role in ("seat_12345", "unit_staff", "data_consumer", "auditor"):
        r = as_role(role).post(
            f"/api/v1/analytics/harassment/flags/{flag['id']}/review", json={"action": "confirm"}
        )
        assert r.status_code == 403
    after = d.counts(session)
    assert after["harassment_flags"] == before["harassment_flags"]
    assert client.get("/api/v1/analytics/harassment/flags", params={"status": "pending"}).json()["total"] == 1
