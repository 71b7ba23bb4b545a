"""Triage through the API: decisions with units, intake stores the decision, audited item-list edits."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.factories import make_unit

from liandong.events.models import Event
from liandong.security.models import AuditEntry

AsRole = Callable[..., TestClient]


def test_decide_with_unit_candidates(session: Session, as_role: AsRole) -> None:
    local = make_unit(session, regions=["430104"], categories=["城乡建设"], name="岳麓区住建局")
    make_unit(session, regions=["430102"], categories=["教育文体"], name="芙蓉区教育局")
    seat = as_role("seat_12345")
    decision = seat.post(
        "/api/v1/triage/decide",
        json={"text": "岳麓区麓谷街道小区电梯经常坏, 物业不维修, 老人上下楼很困难", "adcode": "430104"},
    ).json()
    assert decision["platform"] == "12345" and decision["emergency"] is False
    assert decision["units"][0]["id"] == str(local.id)
    emergency = seat.post("/api/v1/triage/decide", json={"text": "快来人啊 有人拿刀砍人"}).json()
    assert emergency["emergency"] is True and emergency["platform"] == "110" and emergency["reasons"]


def test_intake_stores_the_decision_and_resolves_the_place(client: TestClient) -> None:
    created = client.post(
        "/api/v1/requests", json={"channel": "phone", "content": "我家着火了, 在岳麓区麓谷街道"}
    )
    body = created.json()
    assert body["triage"]["emergency"] is True and body["triage"]["platform"] in {"119", "110"}
    assert body["adcode"] is not None and body["adcode"].startswith("430104")


def test_rules_edit_is_versioned_audited_and_live(session: Session, as_role: AsRole) -> None:
    boss, seat = as_role("supervisor"), as_role("seat_12345")
    rules = seat.get("/api/v1/triage/rules").json()
    assert rules["yaml"] and rules["version"]
    edited = boss.post(
        "/api/v1/triage/rules/keywords",
        json={"rule_id": "crime-victim-report", "add": ["烤红薯摊"], "note": "测试"},
    )
    assert edited.status_code == 200, edited.text
    history = seat.get("/api/v1/triage/rules/history").json()
    assert history[0]["note"] == "测试" and history[0]["created_by"].startswith("supervisor:")
    assert "烤红薯摊" in seat.get("/api/v1/triage/rules").json()["yaml"]
    assert session.scalars(select(Event).where(Event.entity_type == "triage_rules")).all()
    assert session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "triage_rule_versions")).all()


def test_bad_rule_edits_refused_whole(session: Session, as_role: AsRole) -> None:
    boss = as_role("supervisor")
    count = len(boss.get("/api/v1/triage/rules/history").json())
    for body in (
        {
            "yaml": "version: x\nrules: [{id: a, platform: '911', title: t, reason: r}]",
            "note": "bad platform",
        },
        {"yaml": "!!python/object/apply:os.system ['echo pwned']", "note": "hostile"},
        {"yaml": "rules: [unclosed", "note": "malformed"},
    ):
        response = boss.put("/api/v1/triage/rules", json=body)
        assert response.status_code == 422, response.text
        assert response.json()["details"]["field"] == "yaml"
    assert (
        boss.post(
            "/api/v1/triage/rules/keywords", json={"rule_id": "nope", "add": ["x"], "note": "x"}
        ).status_code
        == 422
    )
    assert (
        as_role("seat_12345").put("/api/v1/triage/rules", json={"yaml": "x", "note": "x"}).status_code == 403
    )
    assert len(boss.get("/api/v1/triage/rules/history").json()) == count
