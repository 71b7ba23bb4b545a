"""Shared helpers for the linkage tests."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.core.helpers import counts as core_counts

from liandong.linkage.models import Negotiation, OrderIncidentLink, Transfer
from liandong.supervision.models import SupervisionOrder


def counts(session: Session) -> dict[str, int]:
    out = core_counts(session)
    for model in (Transfer, Negotiation, OrderIncidentLink, SupervisionOrder):
        out[model.__tablename__] = session.scalar(select(func.count()).select_from(model)) or 0
    return out


def post(
    client: TestClient, url: str, body: dict[str, Any] | None = None, expect: int = 200
) -> dict[str, Any]:
    response = client.post(url, json=body or {})
    assert response.status_code == expect, f"{url}: {response.status_code} {response.text}"
    return response.json()


def new_request(
    client: TestClient, content: str = "小区楼下有人聚众赌博", received_by: str = "12345", **extra: Any
) -> dict[str, Any]:
    body = {
        "channel": "phone",
        "content": content,
        "received_by": received_by,
        "caller_phone": "13800138000",
        "adcode": "430104",
        **extra,
    }
    return post(client, "/api/v1/requests", body, expect=201)
