"""The surge bot endpoint: answer, clarify, handover, emergency, surge guidance, bad input, rate limits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.factories import make_unit
from tests.knowledge.test_entries_db import entry_body, kcounts, publish

from liandong.intake.models import ServiceRequest
from liandong.knowledge import runtime
from liandong.knowledge.embedding import E5Embedder
from liandong.linkage import emergency
from liandong.linkage.schemas import ActivationCreate

B = "/api/v1/bot/messages"


@pytest.fixture(autouse=True, scope="module")
def _shared_embedder(embedder: E5Embedder) -> Iterator[None]:
    runtime.set_embedder(embedder)
    yield


@pytest.fixture
def kb(session: Session, client: TestClient) -> dict[str, int]:
    org = make_unit(session)
    ids = {}
    for key, q, a, v in [
        (
            "card",
            "社保卡丢失如何补办",
            "携带本人身份证到社保经办机构办理挂失和补办。",
            ["社会保障卡遗失补办"],
        ),
        ("noise", "夜间施工噪音扰民如何投诉", "无夜间施工许可的，可向城管部门投诉。", ["晚上工地很吵"]),
    ]:
        entry = client.post(
            "/api/v1/knowledge/entries", json=entry_body(org.id, question=q, answer=a, variants=v)
        )
        publish(client, entry.json()["id"])
        ids[key] = entry.json()["id"]
    return ids


def test_answers_then_hands_over_with_the_conversation(
    session: Session, anon: TestClient, kb: dict[str, int]
) -> None:
    first = anon.post(B, json={"text": "社保卡丢失如何补办", "channel": "wechat"})
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["kind"] == "answer" and body["entry_id"] == kb["card"] and "身份证" in body["text"]
    assert body["surge"] is False and len(body["conversation_id"]) >= 24
    second = anon.post(B, json={"conversation_id": body["conversation_id"], "text": "我要转人工"})
    out = second.json()
    assert out["kind"] == "handover" and out["status"] == "handed_over" and out["request_number"]
    req = session.query(ServiceRequest).filter_by(number=out["request_number"]).one()
    assert req.channel == "wechat" and "社保卡丢失如何补办" in req.content and "转人工" in req.content
    closed = anon.post(B, json={"conversation_id": body["conversation_id"], "text": "还在吗"})
    assert closed.status_code == 409


def test_clarifies_when_unsure_and_hands_over_after_repeated_failures(
    session: Session, anon: TestClient, kb: dict[str, int]
) -> None:
    r = anon.post(B, json={"text": "我想问一下那个事情怎么弄", "channel": "app"}).json()
    assert r["kind"] == "clarify" and r["request_number"] is None
    r2 = anon.post(B, json={"conversation_id": r["conversation_id"], "text": "就是那个"}).json()
    assert r2["kind"] == "handover" and r2["request_number"]


def test_emergency_is_never_answered(session: Session, anon: TestClient, kb: dict[str, int]) -> None:
    r = anon.post(B, json={"text": "救命！楼下着火了，有人被困", "channel": "web"}).json()
    assert r["kind"] == "emergency" and "110" in r["text"] and r["entry_id"] is None
    req = session.query(ServiceRequest).filter_by(number=r["request_number"]).one()
    assert req.triage["emergency"] is True and req.channel == "web"


def test_surge_mode_adds_online_guidance(session: Session, client: TestClient, anon: TestClient,
                                         kb: dict[str, int]) -> None:  # fmt: skip
    emergency.activate(session=session, actor="test", data=ActivationCreate(
        plan_code="natural_disaster", title="暴雨", description="全市暴雨红色预警"))  # fmt: skip
    session.commit()
    r = anon.post(B, json={"text": "晚上工地很吵", "channel": "web"}).json()
    assert r["surge"] is True and r["kind"] == "answer" and "在线" in r["text"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"text": ""},
        {"text": "   "},
        {"text": "长" * 50_000},
        {"text": "a\x00b"},
        {"text": "你好", "channel": "fax"},
        {"text": "你好", "conversation_id": "../../etc/passwd"},
        {"text": "你好", "extra": 1},
        {"text": ["列表"]},
    ],
)
def test_bad_input_writes_nothing(session: Session, anon: TestClient, body: dict[str, object]) -> None:
    before = kcounts(session)
    assert anon.post(B, json=body).status_code in (413, 422)
    assert kcounts(session) == before


def test_unknown_conversation_and_rate_limit(session: Session, anon: TestClient, kb: dict[str, int]) -> None:
    before = kcounts(session)
    assert anon.post(B, json={"conversation_id": "x" * 32, "text": "你好"}).status_code == 404
    assert kcounts(session) == before
    codes = [anon.post(B, json={"conversation_id": "y" * 32, "text": "你好"}).status_code for _ in range(21)]
    assert codes[-1] == 429 and set(codes[:-1]) == {404}
