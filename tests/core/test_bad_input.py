"""Bad input gets a 4xx naming the field and writes nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.core.helpers import counts

GOOD = {"channel": "phone", "content": "小区路灯坏了", "adcode": "430104"}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({**GOOD, "channel": "fax"}, "channel"),
        ({**GOOD, "content": ""}, "content"),
        ({**GOOD, "content": "   "}, "content"),
        ({**GOOD, "content": "x" * 20_001}, "content"),
        ({**GOOD, "content": 12345}, "content"),
        ({**GOOD, "adcode": "abc"}, "adcode"),
        ({**GOOD, "latitude": 91}, "latitude"),
        ({**GOOD, "caller_phone": "<script>alert(1)</script>"}, "caller_phone"),
        ({**GOOD, "received_at": "2999-01-01T00:00:00Z"}, "received_at"),
        ({**GOOD, "unexpected": 1}, "unexpected"),
        ({"channel": "phone"}, "content"),
        ({**GOOD, "content": "a\x00b"}, "content"),
    ],
)
def test_request_rejected_with_field_named(
    client: TestClient, session: Session, payload: dict, field: str
) -> None:
    before = counts(session)
    response = client.post("/api/v1/requests", json=payload)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["details"]["errors"][0]["field"] == field
    assert field in body["message"]
    assert counts(session) == before


def test_unknown_adcode_is_refused(client: TestClient, session: Session) -> None:
    before = counts(session)
    response = client.post("/api/v1/requests", json={**GOOD, "adcode": "999999"})
    assert response.status_code == 422
    assert response.json()["details"]["field"] == "adcode"
    assert counts(session) == before


def test_malformed_json(client: TestClient, session: Session) -> None:
    before = counts(session)
    response = client.post(
        "/api/v1/requests",
        content=b'{"channel": "phone", "content": ',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert set(response.json()) == {"code", "message", "details"}
    assert counts(session) == before


def test_oversized_body_refused_before_reading(client: TestClient, session: Session) -> None:
    before = counts(session)
    response = client.post("/api/v1/requests", json={**GOOD, "content": "x" * 2_000_000})
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert counts(session) == before


def test_hostile_text_is_stored_literally(client: TestClient, session: Session) -> None:
    hostile = "'; DROP TABLE requests; -- <img src=x onerror=alert(1)> ${jndi:ldap://x}"
    response = client.post("/api/v1/requests", json={**GOOD, "content": hostile})
    assert response.status_code == 201
    assert client.get(f"/api/v1/requests/{response.json()['id']}").json()["content"] == hostile


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"code": "D-1", "name": "单位", "kind": "department", "uscc": "91350100M000100Y44"}, 422, "uscc"),
        ({"code": "D-1", "name": "单位", "kind": "martians"}, 422, "kind"),
        ({"code": "D 1 with spaces", "name": "单位", "kind": "department"}, 422, "code"),
        ({"code": "D-1", "name": "单位", "kind": "department", "regions": ["000000"]}, 422, "regions"),
        ({"code": "D-1", "name": "单位", "kind": "department", "parent_code": "NOPE"}, 422, "parent_code"),
        ({"code": "D-1", "name": "", "kind": "department"}, 422, "name"),
    ],
)
def test_organisation_rejected(
    client: TestClient, session: Session, payload: dict, status: int, field: str
) -> None:
    before = counts(session)
    response = client.post("/api/v1/organisations", json=payload)
    assert response.status_code == status, response.text
    assert field in response.json()["message"]
    assert counts(session) == before


def test_valid_uscc_accepted_and_duplicate_code_conflicts(client: TestClient, session: Session) -> None:
    payload = {"code": "D-1", "name": "某局", "kind": "department", "uscc": "91350100M000100Y43",
               "regions": ["430104"], "categories": ["城乡建设"]}  # fmt: skip
    first = client.post("/api/v1/organisations", json=payload)
    assert first.status_code == 201, first.text
    assert first.json()["regions"] == ["430104"]
    before = counts(session)
    again = client.post("/api/v1/organisations", json={**payload, "uscc": None})
    assert again.status_code == 409
    assert counts(session) == before


def test_unknown_ids_are_404(client: TestClient) -> None:
    assert client.get("/api/v1/requests/999999").json()["code"] == "not_found"
    assert client.get("/api/v1/work-orders/999999").status_code == 404
    assert client.post("/api/v1/work-orders/999999/sign", json={}).status_code == 404
    assert client.get("/api/v1/incidents/999999").status_code == 404
    assert client.get("/api/v1/organisations/999999").status_code == 404
    assert client.get("/api/v1/nowhere").json()["code"] == "not_found"


def test_work_order_for_missing_request_writes_nothing(client: TestClient, session: Session) -> None:
    before = counts(session)
    response = client.post("/api/v1/work-orders", json={"request_id": 424242, "request_type": "complaint"})
    assert response.status_code == 404
    assert counts(session) == before
    bad_type = client.post("/api/v1/work-orders", json={"request_id": 1, "request_type": "吐槽"})
    assert bad_type.status_code == 422 and bad_type.json()["details"]["errors"][0]["field"] == "request_type"
