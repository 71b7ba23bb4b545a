"""Open311 GeoReport v2 round trip."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.conftest import issue_token
from tests.core.helpers import counts
from tests.factories import make_unit


@pytest.fixture
def api_key(session: Session) -> str:
    return issue_token(session, "system", scopes=["open311:submit"])


def test_services(client: TestClient) -> None:
    services = client.get("/open311/v2/services.json").json()
    codes = {s["service_code"] for s in services}
    assert {"101", "201", "999"} <= codes
    assert all({"service_name", "metadata", "type", "group"} <= set(s) for s in services)
    assert client.get("/open311/v2/services/201.json").json() == {"service_code": "201", "attributes": []}
    assert client.get("/open311/v2/services/nope.json").status_code == 404


def test_round_trip_form_post_follow_to_closed(client: TestClient, session: Session, api_key: str) -> None:
    form = {
        "api_key": api_key,
        "service_code": "201",
        "description": "小区旁工地夜间施工噪音扰民",
        "lat": "28.2282",
        "long": "112.9388",
        "address_string": "长沙市岳麓区麓谷街道",
        "phone": "13800138000",
        "first_name": "三",
        "last_name": "张",
    }
    created = client.post("/open311/v2/requests.json", data=form)
    assert created.status_code == 201, created.text
    number = created.json()[0]["service_request_id"]
    item = client.get(f"/open311/v2/requests/{number}.json").json()[0]
    assert (
        item["status"] == "open" and item["service_code"] == "201" and item["lat"] == pytest.approx(28.2282)
    )
    assert "13800138000" not in str(item)
    # The centre handles it as a work order; Open311 shows closed with the handling opinion.
    request_id = client.get("/api/v1/requests", params={"channel": "open311"}).json()["items"][0]["id"]
    unit = make_unit(session, categories=["环境保护"]).id
    order = client.post("/api/v1/work-orders", json={"request_id": request_id, "request_type": "complaint",
                                                      "handling_unit_id": unit}).json()  # fmt: skip
    for action, body in [("sign", {}), ("complete", {"opinion": "已责令停止夜间施工"})]:
        assert client.post(f"/api/v1/work-orders/{order['id']}/{action}", json=body).status_code == 200
    item = client.get(f"/open311/v2/requests/{number}.json").json()[0]
    assert item["status"] == "closed" and item["status_notes"] == "已责令停止夜间施工"
    assert item["agency_responsible"]
    listed = client.get("/open311/v2/requests.json", params={"status": "closed"}).json()
    assert [i["service_request_id"] for i in listed] == [number]
    assert client.get("/open311/v2/requests.json", params={"status": "open"}).json() == []


def test_json_post_is_accepted(client: TestClient, api_key: str) -> None:
    body = {"api_key": api_key, "service_code": "101", "description": "井盖丢失"}
    created = client.post("/open311/v2/requests.json", json=body)
    assert created.status_code == 201


@pytest.mark.parametrize(
    ("form", "status", "words"),
    [
        ({"description": "x"}, 400, "service_code"),
        ({"service_code": "nope", "description": "x"}, 404, "service_code"),
        ({"service_code": "101"}, 400, "description"),
        ({"service_code": "101", "description": "x", "lat": "28.1"}, 400, "lat"),
        ({"service_code": "101", "description": "x", "lat": "north", "long": "east"}, 400, "lat"),
        ({"service_code": "101", "description": "x", "lat": "95", "long": "10"}, 400, "latitude"),
        ({"service_code": "101", "description": "x" * 20_001}, 400, "content"),
        ({"service_code": "101", "description": "x", "phone": "call me maybe"}, 400, "caller_phone"),
    ],
)
def test_bad_submissions(
    client: TestClient, session: Session, api_key: str, form: dict, status: int, words: str
) -> None:
    before = counts(session)
    response = client.post("/open311/v2/requests.json", data={"api_key": api_key, **form})
    assert response.status_code == status, response.text
    error = response.json()[0]
    assert error["code"] == status and words in error["description"]
    assert counts(session) == before


@pytest.mark.parametrize("key", ["", "ld_not-a-real-token", "garbage"])
def test_api_key_required(anon: TestClient, session: Session, key: str) -> None:
    before = counts(session)
    response = anon.post("/open311/v2/requests.json", data={"api_key": key, "service_code": "101",
                                                             "description": "x"})  # fmt: skip
    assert response.status_code == 403 and "api_key" in response.json()[0]["description"]
    assert counts(session) == before


def test_seat_token_cannot_submit_as_open311(anon: TestClient, session: Session) -> None:
    seat = issue_token(session, "seat_12345")
    response = anon.post("/open311/v2/requests.json", data={"api_key": seat, "service_code": "101",
                                                             "description": "x"})  # fmt: skip
    assert response.status_code == 403


def test_malformed_json_body(client: TestClient, session: Session) -> None:
    before = counts(session)
    response = client.post(
        "/open311/v2/requests.json", content=b"[1,2", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert counts(session) == before
    assert client.get("/open311/v2/requests/SQ-none.json").status_code == 404
