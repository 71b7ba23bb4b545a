"""Who may read and change what, per role, including object-level checks by id."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.core.helpers import counts
from tests.factories import make_request, make_unit, make_work_order

AsRole = Callable[..., TestClient]


def test_every_api_endpoint_requires_authentication(anon: TestClient, app: object) -> None:
    public = {"/healthz", "/open311/v2/", "/schemas/", "/api/v1/auth/login", "/api/v1/exchange/validate/", "/api/v1/exchange/inbox", "/api/v1/bot/messages",
              "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json", "/", "/public", "/public/", "/console/"}  # fmt: skip
    checked = 0
    for path, operations in app.openapi()["paths"].items():  # type: ignore[attr-defined]
        if path in public or any(p.endswith("/") and p != "/" and path.startswith(p) for p in public):
            continue
        for method in operations:
            url = re.sub(r"\{[^}]+\}", "1", path)
            response = anon.request(method, url, json={})
            assert response.status_code == 401, f"{method} {path} answered {response.status_code}"
            checked += 1
    assert checked > 20


def test_bad_tokens_are_401(anon: TestClient) -> None:
    for header in ["Bearer ", "Bearer nonsense", "Bearer ld_" + "x" * 43, "Basic abc"]:
        assert anon.get("/api/v1/requests", headers={"Authorization": header}).status_code == 401


def test_unit_sees_only_its_orders(session: Session, as_role: AsRole) -> None:
    mine, other = make_unit(session), make_unit(session)
    my_order = make_work_order(session, unit=mine)
    their_order = make_work_order(session, unit=other)
    unit = as_role("unit_staff", organisation_id=mine.id)
    listed = unit.get("/api/v1/work-orders").json()
    assert [o["id"] for o in listed["items"]] == [my_order.id]
    assert unit.get(f"/api/v1/work-orders/{my_order.id}").status_code == 200
    assert unit.get(f"/api/v1/work-orders/{their_order.id}").status_code == 404
    assert unit.get(f"/api/v1/work-orders/{their_order.id}/events").status_code == 404
    before = counts(session)
    assert unit.post(f"/api/v1/work-orders/{their_order.id}/sign", json={}).status_code == 404
    assert (
        unit.post(f"/api/v1/work-orders/{their_order.id}/complete", json={"opinion": "x"}).status_code == 404
    )
    assert counts(session) == before
    assert unit.get(f"/api/v1/requests/{their_order.request_id}").status_code == 404
    assert unit.get(f"/api/v1/requests/{my_order.request_id}").status_code == 200
    assert unit.get("/api/v1/requests").status_code == 403


def test_unit_may_handle_but_not_dispatch_or_visit(session: Session, as_role: AsRole) -> None:
    mine, other = make_unit(session), make_unit(session)
    order = make_work_order(session, unit=mine)
    unit = as_role("unit_staff", organisation_id=mine.id)
    assert unit.post(f"/api/v1/work-orders/{order.id}/sign", json={}).status_code == 200
    assert unit.post(f"/api/v1/work-orders/{order.id}/reassign",
                     json={"handling_unit_id": other.id, "reason": "x"}).status_code == 403  # fmt: skip
    assert unit.post(f"/api/v1/work-orders/{order.id}/complete", json={"opinion": "已办"}).status_code == 200
    assert unit.post(f"/api/v1/work-orders/{order.id}/visit", json={"satisfaction": 5}).status_code == 403
    assert unit.post("/api/v1/work-orders", json={"request_id": order.request_id,
                                                  "request_type": "help"}).status_code == 403  # fmt: skip


def test_12345_seat_never_sees_confidential_incidents(
    session: Session, client: TestClient, as_role: AsRole
) -> None:
    req = make_request(session)
    secret = client.post(
        "/api/v1/incidents", json={"request_id": req.id, "category_code": "01", "confidential": True}
    )
    open_ = client.post("/api/v1/incidents", json={"content": "路边有人打架", "category_code": "02"})
    seat = as_role("seat_12345")
    ids = [i["id"] for i in seat.get("/api/v1/incidents").json()["items"]]
    assert ids == [open_.json()["id"]]
    assert seat.get(f"/api/v1/incidents/{secret.json()['id']}").status_code == 404
    assert seat.post(f"/api/v1/incidents/{open_.json()['id']}/arrive", json={}).status_code == 403
    police = as_role("seat_110")
    assert police.get(f"/api/v1/incidents/{secret.json()['id']}").status_code == 200


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        ("data_consumer", "/api/v1/requests", 403),
        ("data_consumer", "/api/v1/work-orders", 403),
        ("data_consumer", "/api/v1/incidents", 403),
        ("auditor", "/api/v1/audit", 200),
        ("seat_12345", "/api/v1/audit", 403),
        ("unit_staff", "/api/v1/incidents", 403),
        ("seat_110", "/api/v1/organisations", 200),
    ],
)
def test_role_boundaries(session: Session, as_role: AsRole, role: str, path: str, status: int) -> None:
    org = make_unit(session).id if role == "unit_staff" else None
    assert as_role(role, organisation_id=org).get(path).status_code == status


def test_writes_refused_for_read_only_roles(session: Session, as_role: AsRole) -> None:
    before = counts(session)
    body = {"channel": "phone", "content": "测试"}
    assert as_role("auditor").post("/api/v1/requests", json=body).status_code == 403
    assert as_role("data_consumer").post("/api/v1/requests", json=body).status_code == 403
    assert as_role("seat_110").post("/api/v1/organisations",
                                    json={"code": "X", "name": "x", "kind": "department"}).status_code == 403  # fmt: skip
    assert counts(session) == before


def test_scoped_token_is_narrowed(session: Session, as_role: AsRole) -> None:
    narrow = as_role("seat_12345", scopes=["request:read"])
    assert narrow.get("/api/v1/requests").status_code == 200
    assert narrow.post("/api/v1/requests", json={"channel": "phone", "content": "x"}).status_code == 403
