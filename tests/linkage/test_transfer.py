"""转办 and 受理反馈 end to end: 12345 -> 110 and 110 -> 12345, refusal, timeout, emergency, closed loop."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import make_unit
from tests.linkage.helpers import counts, new_request, post

from liandong.core.timeutil import utcnow
from liandong.linkage import jobs  # noqa: F401 - registers the handlers
from liandong.linkage.models import Transfer
from liandong.outbox import worker
from liandong.supervision import flows as supervision

AsRole = Callable[..., TestClient]


def test_12345_to_110_accepted_then_closed_loop(
    session: Session, session_factory: sessionmaker[Session], as_role: AsRole
) -> None:
    seat, police = as_role("seat_12345"), as_role("seat_110")
    station = make_unit(session, kind="police_station", categories=[]).id
    req = new_request(seat, "我家隔壁每天半夜有人聚众赌博, 还有人吸毒")
    transfer = post(
        seat,
        "/api/v1/linkage/transfers",
        {
            "request_id": req["id"],
            "to_platform": "110",
            "reason": "属于治安类警情",
            "call_context": "来电人称...",
        },
        201,
    )
    assert (
        transfer["status"] == "pending" and transfer["from_platform"] == "12345" and not transfer["emergency"]
    )
    assert seat.get(f"/api/v1/requests/{req['id']}").json()["status"] == "transferred"
    feed = police.get("/api/v1/linkage/stream", params={"once": True})
    assert feed.status_code == 200 and f"id: {transfer['id']}" in feed.text and "event: transfer" in feed.text
    assert f"id: {transfer['id']}" not in seat.get("/api/v1/linkage/stream", params={"once": True}).text
    # A 12345 seat cannot answer a transfer addressed to 110.
    assert seat.post(f"/api/v1/linkage/transfers/{transfer['id']}/accept", json={}).status_code == 403
    accepted = post(
        police,
        f"/api/v1/linkage/transfers/{transfer['id']}/accept",
        {"category_code": "02", "jurisdiction_unit_id": station},
    )
    assert accepted["status"] == "accepted" and accepted["incident_id"]
    incident = police.get(f"/api/v1/incidents/{accepted['incident_id']}").json()
    assert incident["status"] == "dispatched" and incident["request_id"] == req["id"]
    for action, body in [
        ("arrive", {}),
        ("resolve", {"disposition": "查处赌博窝点"}),
        ("feedback", {"feedback": "已处理"}),
    ]:
        post(police, f"/api/v1/incidents/{incident['id']}/{action}", body)
    worker.drain(session_factory)
    back = seat.get(f"/api/v1/linkage/transfers/{transfer['id']}").json()
    assert back["completion_opinion"] == "已处理" and back["completed_at"]
    assert seat.get(f"/api/v1/requests/{req['id']}").json()["status"] == "registered"


def test_110_to_12345_with_work_order_visit_and_reopen(
    session: Session, session_factory: sessionmaker[Session], client: TestClient, as_role: AsRole
) -> None:
    police, seat = as_role("seat_110"), as_role("seat_12345")
    unit = make_unit(session, categories=["城乡建设"])
    staff = as_role("unit_staff", organisation_id=unit.id)
    req = new_request(police, "楼上装修天天漏水到我家, 物业不管", received_by="110")
    transfer = post(
        police,
        "/api/v1/linkage/transfers",
        {"request_id": req["id"], "to_platform": "12345", "reason": "非警务求助", "mode": "online"},
        201,
    )
    assert transfer["from_platform"] == "110"
    accepted = post(
        seat,
        f"/api/v1/linkage/transfers/{transfer['id']}/accept",
        {"request_type": "help", "category": "城乡建设", "handling_unit_id": unit.id},
    )
    order_id = accepted["work_order_id"]
    for action, body in [("sign", {}), ("complete", {"opinion": "已协调物业维修"})]:
        post(staff, f"/api/v1/work-orders/{order_id}/{action}", body)
    worker.drain(session_factory)
    assert (
        police.get(f"/api/v1/linkage/transfers/{transfer['id']}").json()["completion_opinion"]
        == "已协调物业维修"
    )
    post(seat, f"/api/v1/work-orders/{order_id}/visit", {"satisfaction": 1, "note": "还在漏水"})
    reopened = post(seat, f"/api/v1/work-orders/{order_id}/reopen", {"reason": "回访不满意, 重办"})
    assert reopened["status"] == "dispatched" and reopened["reopen_count"] == 1
    for action, body in [("sign", {}), ("complete", {"opinion": "已彻底修复"})]:
        post(staff, f"/api/v1/work-orders/{order_id}/{action}", body)
    post(seat, f"/api/v1/work-orders/{order_id}/visit", {"satisfaction": 5})
    assert post(seat, f"/api/v1/work-orders/{order_id}/archive")["status"] == "archived"


def test_refusal_goes_back_to_sender_with_reason(as_role: AsRole) -> None:
    seat, police = as_role("seat_12345"), as_role("seat_110")
    req = new_request(seat, "咨询一下小区停车费标准")
    transfer = post(
        seat,
        "/api/v1/linkage/transfers",
        {"request_id": req["id"], "to_platform": "110", "reason": "试转"},
        201,
    )
    assert police.post(f"/api/v1/linkage/transfers/{transfer['id']}/refuse", json={}).status_code == 422
    refused = post(
        police, f"/api/v1/linkage/transfers/{transfer['id']}/refuse", {"reason": "不属于110受理范围"}
    )
    assert refused["status"] == "refused" and refused["response_reason"] == "不属于110受理范围"
    assert seat.get(f"/api/v1/requests/{req['id']}").json()["status"] == "received"
    again = police.post(f"/api/v1/linkage/transfers/{transfer['id']}/accept", json={})
    assert again.status_code == 409 and again.json()["details"]["state"] == "refused"


def test_timeout_comes_back_to_sender(session: Session, as_role: AsRole) -> None:
    seat = as_role("seat_12345")
    req = new_request(seat)
    transfer = post(
        seat,
        "/api/v1/linkage/transfers",
        {"request_id": req["id"], "to_platform": "110", "reason": "治安"},
        201,
    )
    supervision.sweep(session=session, now=utcnow())
    assert seat.get(f"/api/v1/linkage/transfers/{transfer['id']}").json()["status"] == "pending"
    result = supervision.sweep(session=session, now=utcnow() + timedelta(hours=1))
    assert result.transfers_expired == 1
    back = seat.get(f"/api/v1/linkage/transfers/{transfer['id']}").json()
    assert back["status"] == "expired" and back["response_reason"] == "受理反馈超时"
    assert seat.get(f"/api/v1/requests/{req['id']}").json()["status"] == "received"
    assert supervision.sweep(session=session, now=utcnow() + timedelta(hours=2)).transfers_expired == 0


def test_emergency_transfer_registers_incident_at_once(as_role: AsRole) -> None:
    seat = as_role("seat_12345")
    req = new_request(seat, "有人拿刀在街上砍人, 已经有人倒地流血")
    transfer = post(
        seat,
        "/api/v1/linkage/transfers",
        {"request_id": req["id"], "to_platform": "110", "reason": "紧急警情", "emergency": True},
        201,
    )
    assert transfer["status"] == "accepted" and transfer["incident_id"] and transfer["emergency"]
    incident = as_role("seat_110").get(f"/api/v1/incidents/{transfer['incident_id']}").json()
    assert incident["priority"] == 1 and incident["category_code"] == "07"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"to_platform": "911", "reason": "x"}, 422, "to_platform"),
        ({"to_platform": "110", "reason": ""}, 422, "reason"),
        ({"to_platform": "110", "reason": "x", "call_context": "x" * 20_001}, 422, "call_context"),
        ({"to_platform": "12345", "reason": "x"}, 422, "to_platform"),
        ({"to_platform": "110", "reason": "x", "extra": 1}, 422, "extra"),
    ],
)
def test_bad_transfers_write_nothing(
    session: Session, as_role: AsRole, body: dict, status: int, field: str
) -> None:
    seat = as_role("seat_12345")
    req = new_request(seat)
    before = counts(session)
    response = seat.post("/api/v1/linkage/transfers", json={"request_id": req["id"], **body})
    assert response.status_code == status, response.text
    assert field in response.text
    assert counts(session) == before


def test_transfer_of_unknown_or_registered_request(session: Session, as_role: AsRole) -> None:
    seat = as_role("seat_12345")
    assert (
        seat.post(
            "/api/v1/linkage/transfers", json={"request_id": 99999, "to_platform": "110", "reason": "x"}
        ).status_code
        == 404
    )
    req = new_request(seat)
    post(
        seat, "/api/v1/linkage/transfers", {"request_id": req["id"], "to_platform": "110", "reason": "x"}, 201
    )
    before = counts(session)
    twice = seat.post(
        "/api/v1/linkage/transfers", json={"request_id": req["id"], "to_platform": "119", "reason": "x"}
    )
    assert twice.status_code == 409 and twice.json()["details"]["state"] == "transferred"
    assert counts(session) == before
    assert session.query(Transfer).count() == 1
