"""Exchange JSON Schemas: committed files match the models, are served, and validate input."""

from __future__ import annotations

from importlib import resources

import pytest
from fastapi.testclient import TestClient

from liandong.core.errors import InvalidInput
from liandong.exchange import schemas
from liandong.exchange.messages import SCHEMAS

INCIDENT = {
    "JJDBH": "430100202611290001",
    "BJSJ": "2026-11-29T08:30:00+08:00",
    "BJDH": "13800138000",
    "BJDZ": "长沙市岳麓区麓谷街道",
    "BJNR": "有人打架",
    "JQLBDM": "02",
    "XZQHDM": "430104",
    "GXDWDM": "CS-PS-430104",
    "SFBM": "0",
}


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_committed_schema_matches_model(name: str) -> None:
    committed = resources.files("liandong.exchange").joinpath(f"schemas/v1/{name}.json").read_text("utf-8")
    assert committed == schemas.render(name), f"regenerate schemas/v1/{name}.json (scripts/gen_schemas.py)"


def test_schemas_are_served(client: TestClient) -> None:
    listing = client.get("/schemas/v1").json()["schemas"]
    assert "/schemas/v1/police-incident.json" in listing
    served = client.get("/schemas/v1/police-incident.json")
    assert served.status_code == 200 and served.json()["properties"]["JJDBH"]["description"] == "接警单编号"
    assert client.get("/schemas/v1/unknown.json").status_code == 404
    assert client.get("/schemas/v9/request.json").status_code == 404


def test_valid_incident_message(client: TestClient) -> None:
    schemas.validate("police-incident", INCIDENT)
    assert client.post("/api/v1/exchange/validate/police-incident", json=INCIDENT).json()["valid"] is True


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"SFBM": "2"}, "SFBM"),
        ({"XZQHDM": "43010"}, "XZQHDM"),
        ({"BJNR": ""}, "BJNR"),
        ({"EXTRA": 1}, "(document)"),
        ({"JJDBH": 12}, "JJDBH"),
    ],
)
def test_invalid_incident_message(client: TestClient, change: dict, field: str) -> None:
    document = {**INCIDENT, **change}
    with pytest.raises(InvalidInput) as info:
        schemas.validate("police-incident", document)
    assert info.value.field == field
    response = client.post("/api/v1/exchange/validate/police-incident", json=document)
    assert response.status_code == 422 and response.json()["details"]["field"] == field


def test_visit_satisfaction_range() -> None:
    visit = {"FLOWID": "GD1", "HFSJ": "2026-11-29T10:00:00Z", "satisfaction": 6}
    with pytest.raises(InvalidInput):
        schemas.validate("visit", visit)
    schemas.validate("visit", {**visit, "satisfaction": 5})
