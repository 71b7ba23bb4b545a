"""Every police incident action through the API, allowed and refused."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.core.helpers import counts
from tests.factories import make_request, make_unit

from liandong.incident.lifecycle import INCIDENT_LIFECYCLE


@pytest.fixture
def station(session: Session) -> int:
    return make_unit(session, kind="police_station", categories=[]).id


def new_incident(client: TestClient, session: Session, **extra: object) -> dict:
    req = make_request(session, content="有人在小区门口打架, 已经有人流血了")
    response = client.post("/api/v1/incidents", json={"request_id": req.id, "category_code": "02", **extra})
    assert response.status_code == 201, response.text
    return response.json()


def act(client: TestClient, incident_id: int, action: str, body: dict | None = None) -> dict:
    response = client.post(f"/api/v1/incidents/{incident_id}/{action}", json=body or {})
    assert response.status_code == 200, response.text
    return response.json()


def test_dispatch_to_feedback(client: TestClient, session: Session, station: int) -> None:
    incident = new_incident(client, session, priority=1)
    assert incident["status"] == "received" and incident["number"].startswith("JJ")
    assert incident["caller_phone"] and "*" in incident["caller_phone"]
    incident = act(client, incident["id"], "dispatch", {"jurisdiction_unit_id": station})
    assert incident["status"] == "dispatched" and incident["dispatched_at"]
    incident = act(client, incident["id"], "redispatch", {"jurisdiction_unit_id": station})
    incident = act(client, incident["id"], "arrive")
    assert incident["status"] == "on_scene"
    incident = act(client, incident["id"], "resolve", {"disposition": "双方已调解"})
    incident = act(client, incident["id"], "feedback", {"feedback": "已反馈报警人"})
    assert incident["status"] == "closed" and incident["allowed_actions"] == []
    events = client.get(f"/api/v1/incidents/{incident['id']}/events").json()
    assert [e["action"] for e in events] == [
        "receive",
        "dispatch",
        "redispatch",
        "arrive",
        "resolve",
        "feedback",
    ]


def test_create_dispatched_directly_and_cancel(client: TestClient, session: Session, station: int) -> None:
    incident = new_incident(client, session, jurisdiction_unit_id=station, confidential=True)
    assert incident["status"] == "dispatched" and incident["confidential"] is True
    incident = act(client, incident["id"], "cancel", {"reason": "报警人称已自行离开"})
    assert incident["status"] == "cancelled"


@pytest.mark.parametrize(("action", "body"), [("arrive", {}), ("resolve", {"disposition": "x"}),
                                              ("feedback", {"feedback": "x"})])  # fmt: skip
def test_refused_actions(client: TestClient, session: Session, action: str, body: dict) -> None:
    incident = new_incident(client, session)
    before = counts(session)
    response = client.post(f"/api/v1/incidents/{incident['id']}/{action}", json=body)
    assert response.status_code == 409
    assert response.json()["details"]["allowed_actions"] == INCIDENT_LIFECYCLE.allowed_actions("received")
    assert counts(session) == before


def test_dispatch_to_non_police_unit_refused(client: TestClient, session: Session) -> None:
    dept = make_unit(session).id
    incident = new_incident(client, session)
    before = counts(session)
    response = client.post(
        f"/api/v1/incidents/{incident['id']}/dispatch", json={"jurisdiction_unit_id": dept}
    )
    assert response.status_code == 422
    assert counts(session) == before


def test_unknown_category_code_refused(client: TestClient, session: Session) -> None:
    req = make_request(session)
    before = counts(session)
    response = client.post("/api/v1/incidents", json={"request_id": req.id, "category_code": "77"})
    assert response.status_code == 422
    assert response.json()["details"]["errors"][0]["field"] == "category_code"
    assert counts(session) == before
