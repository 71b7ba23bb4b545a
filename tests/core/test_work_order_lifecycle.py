"""Every work order action through the API, allowed and refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.core.helpers import counts
from tests.factories import make_request, make_unit

from liandong.core.timeutil import utcnow
from liandong.workorder.lifecycle import WORK_ORDER_LIFECYCLE


@pytest.fixture
def unit_id(session: Session) -> int:
    return make_unit(session).id


def new_order(client: TestClient, session: Session, **extra: object) -> dict:
    req = make_request(session)
    body = {"request_id": req.id, "request_type": "complaint", "category": "城乡建设", **extra}
    response = client.post("/api/v1/work-orders", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def act(client: TestClient, order_id: int, action: str, body: dict | None = None) -> dict:
    response = client.post(f"/api/v1/work-orders/{order_id}/{action.replace('_', '-')}", json=body or {})
    assert response.status_code == 200, response.text
    return response.json()


def test_full_closed_loop(client: TestClient, session: Session, unit_id: int) -> None:
    order = new_order(client, session)
    assert order["status"] == "accepted" and order["number"].startswith("GD")
    assert "dispatch" in order["allowed_actions"]
    order = act(client, order["id"], "dispatch", {"handling_unit_id": unit_id})
    assert order["status"] == "dispatched" and order["handling_unit_id"] == unit_id
    order = act(client, order["id"], "sign")
    assert order["status"] == "signed" and order["signed_at"]
    order = act(client, order["id"], "start")
    order = act(client, order["id"], "complete", {"opinion": "已处理完毕"})
    assert order["status"] == "completed" and order["handle_opinion"] == "已处理完毕"
    order = act(client, order["id"], "visit", {"satisfaction": 5})
    assert order["status"] == "visited" and order["satisfaction"] == 5
    order = act(client, order["id"], "archive")
    assert order["status"] == "archived" and order["allowed_actions"] == []
    events = client.get(f"/api/v1/work-orders/{order['id']}/events").json()
    assert [e["action"] for e in events] == [
        "accept",
        "dispatch",
        "sign",
        "start",
        "complete",
        "visit",
        "archive",
    ]
    request = client.get(f"/api/v1/requests/{order['request_id']}").json()
    assert request["status"] == "registered"


def test_side_paths(client: TestClient, session: Session, unit_id: int) -> None:
    other = make_unit(session).id
    order = new_order(client, session, handling_unit_id=unit_id)
    assert order["status"] == "dispatched"
    order = act(client, order["id"], "return", {"reason": "不属于本单位职责"})
    assert order["status"] == "returned" and order["last_reason"] == "不属于本单位职责"
    order = act(client, order["id"], "reassign", {"handling_unit_id": other, "reason": "改派至属地"})
    assert order["status"] == "dispatched" and order["handling_unit_id"] == other
    order = act(client, order["id"], "supervise", {"reason": "群众反复来电"})
    assert order["supervision_count"] == 1 and order["status"] == "dispatched"
    order = act(client, order["id"], "sign")
    order = act(client, order["id"], "suspend", {"reason": "等待诉求人补充材料"})
    assert order["status"] == "suspended"
    order = act(client, order["id"], "resume")
    until = (utcnow() + timedelta(days=60)).isoformat()
    order = act(client, order["id"], "request_extension", {"until": until, "reason": "需协调多部门"})
    assert order["status"] == "extension_requested"
    order = act(client, order["id"], "approve_extension")
    assert order["status"] == "in_progress" and order["due_at"][:10] == until[:10]
    order = act(client, order["id"], "request_extension", {"until": (utcnow() + timedelta(days=90)).isoformat(),
                                                          "reason": "再次延期"})  # fmt: skip
    order = act(client, order["id"], "reject_extension", {"reason": "理由不充分"})
    assert order["status"] == "in_progress" and order["extension_until"] is None
    order = act(client, order["id"], "complete", {"opinion": "已解决"})
    order = act(client, order["id"], "visit", {"satisfaction": 1, "note": "问题没有解决"})
    order = act(client, order["id"], "reopen", {"reason": "回访不满意"})
    assert order["status"] == "dispatched" and order["reopen_count"] == 1 and order["completed_at"] is None


def test_on_the_spot_answer_and_cancel(client: TestClient, session: Session) -> None:
    order = new_order(client, session, request_type="consultation")
    order = act(client, order["id"], "complete", {"opinion": "即问即答"})
    assert order["status"] == "completed"
    refused = client.post(f"/api/v1/work-orders/{order['id']}/reopen", json={"reason": "x"})
    assert refused.status_code == 422 and refused.json()["details"]["field"] == "handling_unit_id"
    second = new_order(client, session)
    assert act(client, second["id"], "cancel", {"reason": "重复诉求"})["status"] == "cancelled"


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("sign", {}),
        ("start", {}),
        ("visit", {"satisfaction": 3}),
        ("archive", {}),
        ("resume", {}),
        ("approve_extension", {}),
        ("return", {"reason": "x"}),
    ],
)
def test_refused_actions_answer_409_and_change_nothing(
    client: TestClient, session: Session, action: str, body: dict
) -> None:
    order = new_order(client, session)
    before = counts(session)
    response = client.post(f"/api/v1/work-orders/{order['id']}/{action.replace('_', '-')}", json=body)
    assert response.status_code == 409
    error = response.json()
    assert error["code"] == "transition_not_allowed"
    assert error["details"]["state"] == "accepted"
    assert error["details"]["allowed_actions"] == WORK_ORDER_LIFECYCLE.allowed_actions("accepted")
    assert counts(session) == before
    assert client.get(f"/api/v1/work-orders/{order['id']}").json()["status"] == "accepted"


def test_extension_must_end_after_deadline(client: TestClient, session: Session, unit_id: int) -> None:
    order = new_order(client, session, handling_unit_id=unit_id)
    act(client, order["id"], "sign")
    before = counts(session)
    response = client.post(
        f"/api/v1/work-orders/{order['id']}/request-extension",
        json={"until": (utcnow() - timedelta(days=1)).isoformat(), "reason": "x"},
    )
    assert response.status_code == 422 and response.json()["details"]["field"] == "until"
    assert counts(session) == before


def test_dispatch_to_non_handling_unit_is_refused(client: TestClient, session: Session) -> None:
    police = make_unit(session, kind="police_station").id
    order = new_order(client, session)
    before = counts(session)
    response = client.post(f"/api/v1/work-orders/{order['id']}/dispatch", json={"handling_unit_id": police})
    assert response.status_code == 422
    assert "handling_unit_id" in response.json()["message"]
    assert counts(session) == before


def test_list_filters_and_overdue(client: TestClient, session: Session, unit_id: int) -> None:
    new_order(client, session, handling_unit_id=unit_id, urgency="urgent")
    new_order(client, session)
    page = client.get("/api/v1/work-orders", params={"handling_unit_id": unit_id}).json()
    assert page["total"] == 1 and page["items"][0]["urgency"] == "urgent"
    assert client.get("/api/v1/work-orders", params={"overdue": True}).json()["total"] == 0
    assert client.get("/api/v1/work-orders", params={"status": "accepted"}).json()["total"] == 1
    assert client.get("/api/v1/work-orders", params={"limit": 1}).json()["limit"] == 1
    assert client.get("/api/v1/work-orders", params={"status": "bogus"}).status_code == 422
