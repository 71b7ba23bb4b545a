"""Health, request intake and the error body."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liandong.events.models import Event
from liandong.intake.models import ServiceRequest


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_healthz_checks_database(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_create_request_masks_personal_data_and_records_event(client: TestClient, session: Session) -> None:
    response = client.post(
        "/api/v1/requests",
        json={
            "channel": "phone",
            "content": "咨询社保卡补办, 我的电话13800138000",
            "caller_phone": "13912345678",
            "caller_name": "李四",
            "adcode": "430104",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["caller_phone"] == "139****5678"
    assert body["caller_name"] == "李*"
    assert body["number"].startswith("SQ")
    assert body["status"] == "received"
    stored = session.get(ServiceRequest, body["id"])
    assert stored is not None and "13912345678" not in (stored.caller_phone_enc or "")
    events = session.scalars(select(Event).where(Event.entity_type == "request")).all()
    assert [e.action for e in events] == ["receive"]
