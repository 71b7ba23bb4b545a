"""三方通话: agreement, 先行受理 fallback at the deadline, 110 先行处置 during the negotiation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.linkage.helpers import counts, new_request, post

from liandong.core.timeutil import utcnow
from liandong.supervision import flows as supervision

AsRole = Callable[..., TestClient]


def test_agreement_after_notes(as_role: AsRole) -> None:
    seat, police = as_role("seat_12345"), as_role("seat_110")
    req = new_request(seat, "邻居家狗天天叫, 还咬伤过人, 不知道找谁")
    neg = post(seat, "/api/v1/linkage/negotiations", {"request_id": req["id"], "reason": "职责交叉"}, 201)
    assert (
        neg["status"] == "open"
        and neg["first_receiver"] == "12345"
        and neg["predispatch_incident_id"] is None
    )
    post(
        seat,
        f"/api/v1/linkage/negotiations/{neg['id']}/notes",
        {"party": "caller", "text": "狗咬伤了我家孩子"},
    )
    neg = post(
        police, f"/api/v1/linkage/negotiations/{neg['id']}/notes", {"party": "110", "text": "伤人属治安案件"}
    )
    assert [n["party"] for n in neg["notes"]] == ["caller", "110"]
    neg = post(police, f"/api/v1/linkage/negotiations/{neg['id']}/decide", {"platform": "110"})
    assert neg["status"] == "agreed" and neg["outcome_platform"] == "110" and neg["incident_id"]
    late = police.post(f"/api/v1/linkage/negotiations/{neg['id']}/notes", json={"party": "110", "text": "x"})
    assert late.status_code == 409


def test_no_agreement_first_receiver_takes_it(session: Session, as_role: AsRole) -> None:
    police = as_role("seat_110")
    req = new_request(police, "路边摊占道经营, 城管和派出所互相推", received_by="110")
    neg = post(
        police,
        "/api/v1/linkage/negotiations",
        {"request_id": req["id"], "reason": "管辖争议", "minutes": 5},
        201,
    )
    assert supervision.sweep(session=session, now=utcnow()).negotiations_fallback == 0
    result = supervision.sweep(session=session, now=utcnow() + timedelta(minutes=6))
    assert result.negotiations_fallback == 1
    neg = police.get(f"/api/v1/linkage/negotiations/{neg['id']}").json()
    assert neg["status"] == "fallback" and neg["outcome_platform"] == "110" and neg["incident_id"]
    assert police.get(f"/api/v1/requests/{req['id']}").json()["status"] == "registered"


def test_emergency_predispatch_in_parallel(session: Session, as_role: AsRole) -> None:
    seat, police = as_role("seat_12345"), as_role("seat_110")
    req = new_request(seat, "两家人因为宅基地吵起来了, 有人拿着锄头要打人")
    neg = post(
        seat,
        "/api/v1/linkage/negotiations",
        {"request_id": req["id"], "reason": "纠纷, 可能动手", "emergency": True},
        201,
    )
    incident_id = neg["predispatch_incident_id"]
    assert incident_id and neg["status"] == "open"
    incident = police.get(f"/api/v1/incidents/{incident_id}").json()
    assert incident["priority"] == 1
    # The parties then agree the underlying dispute is 12345's: the work order links to the 110 dispatch.
    neg = post(seat, f"/api/v1/linkage/negotiations/{neg['id']}/decide", {"platform": "12345"})
    assert neg["work_order_id"] and neg["outcome_platform"] == "12345"
    links = seat.get(f"/api/v1/work-orders/{neg['work_order_id']}/links").json()
    assert [(x["kind"], x["incident_id"]) for x in links] == [("predispatch", incident_id)]
    assert (
        police.get(f"/api/v1/incidents/{incident_id}/links").json()[0]["work_order_id"]
        == neg["work_order_id"]
    )


def test_manual_predispatch_by_110(as_role: AsRole) -> None:
    seat, police = as_role("seat_12345"), as_role("seat_110")
    req = new_request(seat)
    neg = post(seat, "/api/v1/linkage/negotiations", {"request_id": req["id"], "reason": "不明确"}, 201)
    assert seat.post(f"/api/v1/linkage/negotiations/{neg['id']}/predispatch").status_code == 403
    first = post(police, f"/api/v1/linkage/negotiations/{neg['id']}/predispatch")
    second = post(police, f"/api/v1/linkage/negotiations/{neg['id']}/predispatch")
    assert first["predispatch_incident_id"] == second["predispatch_incident_id"] is not None


def test_bad_negotiation_input(session: Session, as_role: AsRole) -> None:
    seat = as_role("seat_12345")
    req = new_request(seat)
    before = counts(session)
    for body in (
        {"request_id": req["id"]},
        {"request_id": req["id"], "reason": "x", "minutes": 0},
        {"request_id": 0, "reason": "x"},
    ):
        assert seat.post("/api/v1/linkage/negotiations", json=body).status_code == 422
    assert (
        seat.post("/api/v1/linkage/negotiations", json={"request_id": 987654, "reason": "x"}).status_code
        == 404
    )
    assert counts(session) == before
    neg = post(seat, "/api/v1/linkage/negotiations", {"request_id": req["id"], "reason": "x"}, 201)
    before = counts(session)
    assert (
        seat.post(f"/api/v1/linkage/negotiations/{neg['id']}/decide", json={"platform": "119"}).status_code
        == 422
    )
    assert (
        seat.post(
            f"/api/v1/linkage/negotiations/{neg['id']}/notes", json={"party": "mallory", "text": "x"}
        ).status_code
        == 422
    )
    assert counts(session) == before
