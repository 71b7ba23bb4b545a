"""FAQ mining proposals (accept/reject by the department) and the seat's recommendation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.factories import RequestCreateFactory, make_unit, make_work_order
from tests.knowledge.test_entries_db import entry_body, kcounts, publish

from liandong.core.timeutil import utcnow
from liandong.intake import service as requests
from liandong.knowledge import runtime
from liandong.knowledge.embedding import E5Embedder
from liandong.workorder import flows as wo_flows
from liandong.workorder.schemas import CompleteBody

AsRole = Callable[..., TestClient]
CARD = ["社保卡丢了怎么补办", "社保卡丢失了如何补办", "请问社保卡丢了去哪里补办", "社保卡遗失怎么补办"]
FUND = ["公积金怎么提取", "住房公积金如何提取", "请问住房公积金怎么提取出来", "公积金提取怎么办理"]


@pytest.fixture(autouse=True, scope="module")
def _shared_embedder(embedder: E5Embedder) -> Iterator[None]:
    runtime.set_embedder(embedder)
    yield


def consult(session: Session, text: str, category: str, request_type: str = "咨询") -> None:
    requests.create(session=session, data=RequestCreateFactory(content=text), actor="test",
                    triage={"request_type": request_type, "category": category, "platform": "12345"})  # fmt: skip
    session.commit()


def period() -> dict[str, str]:
    now = utcnow()
    return {"since": (now - timedelta(days=1)).isoformat(), "until": (now + timedelta(minutes=1)).isoformat()}


def test_mining_proposes_update_and_new_and_departments_decide(
    session: Session, client: TestClient, as_role: AsRole
) -> None:
    hr = make_unit(session, categories=["人社"])
    housing = make_unit(session, categories=["住建"])
    card = client.post("/api/v1/knowledge/entries", json=entry_body(hr.id)).json()
    publish(client, card["id"])
    for text in CARD:
        consult(session, text, "人社")
    for text in FUND:
        consult(session, text, "住建")
    for text in ["楼下餐馆油烟扰民", "楼下餐馆油烟太大", "餐馆油烟扰民投诉"]:
        consult(session, text, "城管", request_type="投诉")  # not consultations: never mined
    mined = client.post("/api/v1/knowledge/faq/mine", json=period() | {"min_size": 3})
    assert mined.status_code == 201, mined.text
    by_kind = {p["kind"]: p for p in mined.json()}
    assert set(by_kind) == {"update", "new"}
    update, new = by_kind["update"], by_kind["new"]
    assert update["entry_id"] == card["id"] and update["organisation_id"] == hr.id and update["volume"] == 4
    assert new["organisation_id"] == housing.id and new["category"] == "住建" and len(new["examples"]) >= 3
    assert all("油烟" not in e for p in mined.json() for e in p["examples"])
    # Mining the same period again proposes nothing new while these are open.
    assert client.post("/api/v1/knowledge/faq/mine", json=period() | {"min_size": 3}).json() == []

    hr_staff = as_role("unit_staff", organisation_id=hr.id)
    housing_staff = as_role("unit_staff", organisation_id=housing.id)
    assert [p["id"] for p in hr_staff.get("/api/v1/knowledge/faq/proposals").json()["items"]] == [
        update["id"]
    ]
    before = kcounts(session)
    assert (
        hr_staff.post(f"/api/v1/knowledge/faq/proposals/{new['id']}/accept", json={"answer": "x"}).status_code
        == 404
    )
    assert hr_staff.post(f"/api/v1/knowledge/faq/proposals/{update['id']}/accept", json={}).status_code == 422
    assert kcounts(session) == before
    accepted = hr_staff.post(f"/api/v1/knowledge/faq/proposals/{update['id']}/accept",
                             json={"answer": "可在人社APP线上挂失补办。"})  # fmt: skip
    assert accepted.status_code == 200, accepted.text
    version = client.get(f"/api/v1/knowledge/entries/{accepted.json()['result_entry_id']}").json()
    assert version["version"] == 2 and version["status"] == "draft" and version["root_id"] == card["id"]
    assert hr_staff.post(f"/api/v1/knowledge/faq/proposals/{update['id']}/reject",
                         json={"reason": "重复"}).status_code == 409  # fmt: skip
    rejected = housing_staff.post(
        f"/api/v1/knowledge/faq/proposals/{new['id']}/reject", json={"reason": "非本部门职责"}
    )
    assert rejected.json()["status"] == "rejected" and rejected.json()["reason"] == "非本部门职责"


@pytest.mark.parametrize(
    "body",
    [{}, {"since": "yesterday", "until": "today"}, {"since": "2025-02-01T00:00:00Z", "until": "2025-01-01T00:00:00Z"},
     {"since": "2020-01-01T00:00:00Z", "until": "2025-01-01T00:00:00Z"}, {"since": "2025-01-01T00:00:00Z",
     "until": "2025-01-02T00:00:00Z", "min_size": 1}],
)  # fmt: skip
def test_mine_bad_input(session: Session, client: TestClient, body: dict[str, object]) -> None:
    before = kcounts(session)
    assert client.post("/api/v1/knowledge/faq/mine", json=body).status_code == 422
    assert kcounts(session) == before


def test_mine_needs_write_and_unknown_proposals(
    session: Session, client: TestClient, as_role: AsRole
) -> None:
    assert as_role("seat_12345").post("/api/v1/knowledge/faq/mine", json=period()).status_code == 403
    before = kcounts(session)
    assert (
        client.post("/api/v1/knowledge/faq/proposals/999999/accept", json={"answer": "x"}).status_code == 404
    )
    assert (
        client.post("/api/v1/knowledge/faq/proposals/999999/reject", json={"reason": "x"}).status_code == 404
    )
    assert client.get("/api/v1/knowledge/faq/proposals/999999").status_code == 404
    assert kcounts(session) == before


def test_recommendation_for_a_request(session: Session, client: TestClient, as_role: AsRole) -> None:
    unit = make_unit(session, categories=["人社"], regions=["430104"])
    entry = client.post("/api/v1/knowledge/entries", json=entry_body(unit.id)).json()
    publish(client, entry["id"])
    past = make_work_order(
        session, unit=None, summary="市民咨询社保卡丢失后如何补办，电话13800138000", category="人社"
    )
    wo_flows.act(session=session, order_id=past.id, action="complete", actor="test",
                 body=CompleteBody(opinion="已告知携带身份证到社保网点补办"))  # fmt: skip
    req = requests.create(session=session, data=RequestCreateFactory(content="我的社保卡丢了，怎么补办"),
                          actor="test", triage={"platform": "12345", "emergency": False, "request_type": "咨询",
                                                "category": "人社"})  # fmt: skip
    session.commit()
    r = client.get("/api/v1/knowledge/recommend", params={"request_id": req.id})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["answers"][0]["entry_id"] == entry["id"]
    case = body["similar_cases"][0]
    assert case["work_order_id"] == past.id and case["handle_opinion"].startswith("已告知")
    assert case["status"] == "completed" and "13800138000" not in case["summary"]
    assert body["units"][0]["id"] == str(unit.id)
    assert client.get("/api/v1/knowledge/recommend", params={"request_id": 999999}).status_code == 404
    assert client.get("/api/v1/knowledge/recommend", params={"request_id": "abc"}).status_code == 422
    other = as_role("unit_staff", organisation_id=unit.id)
    assert other.get("/api/v1/knowledge/recommend", params={"request_id": req.id}).status_code == 404
