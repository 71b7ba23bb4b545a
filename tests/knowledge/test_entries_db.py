"""Knowledge entries through the API: lifecycle, versions, department boundaries, expiry, search."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.core.helpers import counts
from tests.factories import make_unit

from liandong.core.timeutil import utcnow
from liandong.knowledge import runtime
from liandong.knowledge.embedding import E5Embedder
from liandong.knowledge.models import BotConversation, FaqProposal, KnowledgeEntry

AsRole = Callable[..., TestClient]
E = "/api/v1/knowledge/entries"


@pytest.fixture(autouse=True, scope="module")
def _shared_embedder(embedder: E5Embedder) -> Iterator[None]:
    runtime.set_embedder(embedder)
    yield


def kcounts(session: Session) -> dict[str, int]:
    """Core and knowledge row counts, for "nothing was written" checks."""
    out = counts(session)
    for model in (KnowledgeEntry, FaqProposal, BotConversation):
        out[model.__tablename__] = session.scalar(select(func.count()).select_from(model)) or 0
    return out


def entry_body(org_id: int, **kw: object) -> dict[str, object]:
    body: dict[str, object] = {
        "question": "社保卡丢失如何补办",
        "answer": "携带本人身份证到社保经办机构或合作银行网点办理挂失和补办。",
        "variants": ["社会保障卡遗失补办"],
        "category": "人社",
        "organisation_id": org_id,
        "source_document": "人社发〔2023〕1号",
    }
    return body | kw


def publish(client: TestClient, entry_id: int) -> dict[str, object]:
    for action in ("submit", "review", "publish"):
        r = client.post(f"{E}/{entry_id}/{action}", json={})
        assert r.status_code == 200, r.text
    return r.json()


def test_lifecycle_allowed_and_refused(session: Session, client: TestClient) -> None:
    org = make_unit(session)
    created = client.post(E, json=entry_body(org.id))
    assert created.status_code == 201, created.text
    entry = created.json()
    assert entry["status"] == "draft" and entry["version"] == 1 and "submit" in entry["allowed_actions"]
    before = kcounts(session)
    refused = client.post(f"{E}/{entry['id']}/publish", json={})
    assert refused.status_code == 409
    assert refused.json()["details"]["allowed_actions"] == ["edit", "submit"]
    assert kcounts(session) == before
    assert client.post(f"{E}/{entry['id']}/submit", json={}).json()["status"] == "submitted"
    rejected = client.post(f"{E}/{entry['id']}/reject", json={"reason": "答案缺少办理时限"})
    assert rejected.json()["status"] == "draft" and rejected.json()["last_reason"] == "答案缺少办理时限"
    published = publish(client, entry["id"])
    assert published["status"] == "published" and published["published_at"]
    retired = client.post(f"{E}/{entry['id']}/retire", json={"reason": "政策废止"})
    assert retired.json()["status"] == "retired"
    assert client.post(f"{E}/{entry['id']}/retire", json={"reason": "x"}).status_code == 409
    actions = [e["action"] for e in client.get(f"{E}/{entry['id']}/events").json()]
    assert actions == ["create", "submit", "reject", "submit", "review", "publish", "retire"]


def test_editing_published_entry_makes_a_version_served_only_when_published(
    session: Session, client: TestClient
) -> None:
    org = make_unit(session)
    v1 = client.post(E, json=entry_body(org.id)).json()
    publish(client, v1["id"])
    v2 = client.patch(f"{E}/{v1['id']}", json={"answer": "可在人社APP线上挂失补办，新卡邮寄到家。"})
    assert v2.status_code == 200, v2.text
    v2 = v2.json()
    assert (
        v2["id"] != v1["id"] and v2["version"] == 2 and v2["root_id"] == v1["id"] and v2["status"] == "draft"
    )
    # A second concurrent revision is refused.
    assert client.patch(f"{E}/{v1['id']}", json={"answer": "别的答案"}).status_code == 409
    hits = client.get("/api/v1/knowledge/search", params={"q": "社保卡丢了怎么补办"}).json()["items"]
    assert hits[0]["entry_id"] == v1["id"] and hits[0]["answer"].startswith("携带")
    publish(client, v2["id"])
    old = client.get(f"{E}/{v1['id']}").json()
    assert old["status"] == "retired"
    hits = client.get("/api/v1/knowledge/search", params={"q": "社保卡丢了怎么补办"}).json()["items"]
    assert [h["entry_id"] for h in hits] == [v2["id"]] and hits[0]["version"] == 2
    versions = client.get(E, params={"root_id": v1["id"]}).json()
    assert [(e["version"], e["status"]) for e in versions["items"]] == [(1, "retired"), (2, "published")]


def test_department_boundaries(session: Session, client: TestClient, as_role: AsRole) -> None:
    mine, other = make_unit(session), make_unit(session)
    unit = as_role("unit_staff", organisation_id=mine.id)
    own = unit.post(E, json=entry_body(None) | {"organisation_id": None})  # type: ignore[arg-type]
    assert own.status_code == 201 and own.json()["organisation_id"] == mine.id
    theirs = client.post(E, json=entry_body(other.id)).json()
    before = kcounts(session)
    assert unit.post(E, json=entry_body(other.id)).status_code == 403
    assert unit.get(f"{E}/{theirs['id']}").status_code == 404
    assert unit.patch(f"{E}/{theirs['id']}", json={"answer": "改"}).status_code == 404
    assert unit.post(f"{E}/{theirs['id']}/submit", json={}).status_code == 404
    assert kcounts(session) == before
    assert [e["id"] for e in unit.get(E).json()["items"]] == [own.json()["id"]]
    assert unit.post(f"{E}/{own.json()['id']}/submit", json={}).status_code == 200
    # Review and publish are the supervisors' (Perm.KNOWLEDGE_WRITE).
    assert unit.post(f"{E}/{own.json()['id']}/review", json={}).status_code == 403
    supervisor = as_role("supervisor")
    assert supervisor.post(f"{E}/{own.json()['id']}/review", json={}).status_code == 200
    seat = as_role("seat_12345")
    assert seat.post(E, json=entry_body(mine.id)).status_code == 403
    assert seat.get("/api/v1/knowledge/search", params={"q": "社保卡"}).status_code == 200


def test_expired_and_future_entries_are_never_served(session: Session, client: TestClient) -> None:
    org = make_unit(session)
    now = utcnow()
    soon = client.post(E, json=entry_body(org.id, valid_to=(now + timedelta(hours=1)).isoformat())).json()
    later = client.post(
        E, json=entry_body(org.id, question="公积金提取条件", answer="购房租房可提取。", variants=[],
                           valid_from=(now + timedelta(days=3)).isoformat())
    ).json()  # fmt: skip
    publish(client, soon["id"])
    publish(client, later["id"])
    hits = client.get("/api/v1/knowledge/search", params={"q": "公积金提取条件"}).json()["items"]
    assert later["id"] not in [h["entry_id"] for h in hits]
    # Moving valid_to into the past (a new version) or waiting both stop serving; check the index mask directly.
    index = runtime.entry_index(session)
    assert not index.servable(soon["id"], at=now + timedelta(hours=2))
    assert index.servable(soon["id"], at=now)
    past = client.post(E, json=entry_body(org.id, valid_from=(now - timedelta(days=9)).isoformat(),
                                          valid_to=(now - timedelta(days=1)).isoformat())).json()  # fmt: skip
    client.post(f"{E}/{past['id']}/submit", json={})
    client.post(f"{E}/{past['id']}/review", json={})
    refused = client.post(f"{E}/{past['id']}/publish", json={})
    assert refused.status_code == 422 and refused.json()["details"]["field"] == "valid_to"


def test_search_filters_and_matched_part(session: Session, client: TestClient) -> None:
    org = make_unit(session)
    a = client.post(E, json=entry_body(org.id, region="430104")).json()
    b = client.post(E, json=entry_body(org.id, question="夜间施工噪音扰民如何投诉", answer="向城管部门投诉。",
                                       variants=["晚上工地很吵"], category="城管")).json()  # fmt: skip
    publish(client, a["id"])
    publish(client, b["id"])
    r = client.get("/api/v1/knowledge/search", params={"q": "晚上工地很吵怎么办", "limit": 1}).json()
    assert len(r["items"]) == 1 and r["items"][0]["entry_id"] == b["id"]
    assert r["items"][0]["matched"] == "晚上工地很吵" and 0 < r["items"][0]["score"] <= 1
    elsewhere = client.get("/api/v1/knowledge/search", params={"q": "社保卡补办", "region": "110101"}).json()
    assert a["id"] not in [h["entry_id"] for h in elsewhere["items"]]
    found = client.get("/api/v1/knowledge/search", params={"q": "社保卡补办", "region": "430104001"}).json()
    assert found["items"][0]["entry_id"] == a["id"]
    cat = client.get("/api/v1/knowledge/search", params={"q": "社保卡补办", "category": "城管"}).json()
    assert a["id"] not in [h["entry_id"] for h in cat["items"]]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": ""},
        {"q": "x" * 50_000},
        {"q": "社保", "k": 0},
        {"q": "社保", "k": 1000},
        {"q": "社保", "region": "abc"},
    ],
)
def test_search_bad_input(client: TestClient, params: dict[str, object]) -> None:
    assert client.get("/api/v1/knowledge/search", params=params).status_code == 422


def test_search_hostile_queries_answer_cleanly(session: Session, client: TestClient) -> None:
    for q in ["' OR 1=1 --", "<script>alert(1)</script>", "\u202e\u200b", "%%%", "　"]:
        r = client.get("/api/v1/knowledge/search", params={"q": q})
        assert r.status_code == 200 and isinstance(r.json()["items"], list)


@pytest.mark.parametrize(
    "change",
    [
        {"question": ""},
        {"answer": ""},
        {"answer": "长" * 50_000},
        {"question": "问\x00题"},
        {"region": "北京"},
        {"variants": ["x" * 500]},
        {"unknown": 1},
        {"valid_from": "2030-01-01T00:00:00Z", "valid_to": "2029-01-01T00:00:00Z"},
        {"organisation_id": 999_999},
        {"organisation_id": None},
    ],
)
def test_create_bad_input_writes_nothing(
    session: Session, client: TestClient, change: dict[str, object]
) -> None:
    org = make_unit(session)
    before = kcounts(session)
    r = client.post(E, json=entry_body(org.id) | change)
    assert r.status_code in (413, 422), r.text
    assert kcounts(session) == before


def test_unknown_ids_and_bad_edits(session: Session, client: TestClient) -> None:
    org = make_unit(session)
    entry = client.post(E, json=entry_body(org.id)).json()
    before = kcounts(session)
    assert client.get(f"{E}/999999").status_code == 404
    assert client.post(f"{E}/999999/submit", json={}).status_code == 404
    assert client.patch(f"{E}/999999", json={"answer": "x"}).status_code == 404
    assert client.patch(f"{E}/{entry['id']}", json={}).status_code == 422
    assert client.patch(f"{E}/{entry['id']}", json={"valid_to": "2000-01-01T00:00:00Z",
                                                    "valid_from": "2001-01-01T00:00:00Z"}).status_code == 422  # fmt: skip
    assert client.post(f"{E}/{entry['id']}/retire", json={}).status_code == 422  # reason required
    assert client.post(f"{E}/0/submit", json={}).status_code == 422
    assert kcounts(session) == before
