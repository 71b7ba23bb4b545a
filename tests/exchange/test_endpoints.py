"""Bad input on every exchange endpoint: a clear 4xx naming the problem, and nothing written."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.core.helpers import counts
from tests.exchange.test_envelope import KEY, node_settings, post, sealed, transfer_payload

from liandong.core.timeutil import utcnow
from liandong.exchange import envelope
from liandong.exchange.models import ExchangeMessage, ExchangeOrder, InboxMessage
from liandong.linkage.models import Transfer
from liandong.outbox.models import OutboxJob

HOSTILE = [
    "'; DROP TABLE exchange_inbox; --",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "%00%27",
    "名" * 70,
    "\u202e\u200b",
]


def written(session: Session) -> dict[str, int]:
    """Core tables (tests/core/helpers.counts) plus every exchange table."""
    out = counts(session)
    for model in (InboxMessage, ExchangeOrder, ExchangeMessage, Transfer):
        out[model.__tablename__] = session.scalar(select(func.count()).select_from(model)) or 0
    return out


@pytest.fixture
def peer_app(app: Any) -> Any:
    app.state.settings = node_settings()  # type: ignore[attr-defined]
    return app


def resign(doc: dict[str, Any], key: str = KEY) -> dict[str, Any]:
    """Re-sign a document changed after sealing: the peer really sent it, so only its content can be wrong."""
    doc["signature"] = envelope.signature(doc, key)
    return doc


def doc_for(**changes: Any) -> dict[str, Any]:
    uid = uuid.uuid4().hex
    doc = sealed("transfer", transfer_payload(uid), uid=uid)
    doc.update(changes)
    return resign(doc)


def without(field: str) -> dict[str, Any]:
    doc = doc_for()
    del doc[field]
    return resign(doc)


def with_request(**changes: Any) -> dict[str, Any]:
    uid = uuid.uuid4().hex
    payload = transfer_payload(uid)
    payload["request"].update(changes)
    return sealed("transfer", payload, uid=uid)


# case -> (document or raw bytes, status, a word the error must contain)
INBOX_BAD: dict[str, tuple[Any, int, str]] = {
    "empty body": (b"", 422, "malformed JSON"),
    "truncated JSON": (b'{"version": "1", "message_id": ', 422, "malformed JSON"),
    "JSON array": (b"[1, 2]", 422, "JSON object"),
    "JSON string": (b'"transfer"', 422, "JSON object"),
    "not UTF-8": (b'{"a": "\xff"}', 422, "malformed JSON"),
    "oversized": (b'{"pad": "' + b"x" * (300 * 1024) + b'"}', 422, "larger than"),
    "past the body limit": (b'{"pad": "' + b"x" * (1100 * 1024) + b'"}', 413, "large"),
    "signature not a string": (lambda: {**doc_for(), "signature": 12}, 401, "unsigned"),
    "signature empty": (lambda: {**doc_for(), "signature": ""}, 401, "unsigned"),
    "signature of other content": (
        lambda: {**doc_for(), "signature": doc_for()["signature"]},
        401,
        "bad signature",
    ),
    "sender missing": (lambda: without("sender"), 401, "unknown sender"),
    "sender hostile": (lambda: doc_for(sender=HOSTILE[0]), 401, "unknown sender"),
    "message_id missing": (lambda: without("message_id"), 422, "message_id"),
    "message_id not hex": (lambda: doc_for(message_id="../../etc/passwd"), 422, "message_id"),
    "seq a string": (lambda: doc_for(seq="1"), 422, "seq"),
    "seq zero": (lambda: doc_for(seq=0), 422, "seq"),
    "seq huge": (lambda: doc_for(seq=10**30), 422, "seq"),
    "type unknown": (lambda: doc_for(type="drop-table"), 422, "type"),
    "payload a list": (lambda: doc_for(payload=[1, 2]), 422, "payload"),
    "payload missing": (lambda: without("payload"), 422, "payload"),
    "order_key hostile": (lambda: doc_for(order_key=HOSTILE[0] * 3), 422, "order_key"),
    "sent_at garbage": (lambda: doc_for(sent_at="yesterday"), 422, "sent_at"),
    "sent_at future": (lambda: doc_for(sent_at=(utcnow() + timedelta(hours=1)).isoformat()), 422, "sent_at"),
    "wrong recipient": (lambda: doc_for(recipient="node-119"), 422, "recipient"),
    "wrong version": (lambda: doc_for(version="9"), 422, "version"),
    "extra field": (lambda: doc_for(admin=True), 422, "admin"),
    "NUL in content": (lambda: with_request(content="打架\u0000"), 422, "NUL"),
    "lone surrogate": (
        lambda: json.dumps(with_request(content="打架@@")).replace("@@", "\\ud800").encode(),
        422,
        "UTF-8",
    ),
    "content a number": (lambda: with_request(content=12), 422, "content"),
    "received_by unknown": (lambda: with_request(received_by="119"), 422, "received_by"),
}


def _raw(case: str) -> bytes:
    body = INBOX_BAD[case][0]
    if isinstance(body, bytes):
        return body
    doc = body()
    return doc if isinstance(doc, bytes) else json.dumps(doc, ensure_ascii=False).encode("utf-8")


@pytest.mark.parametrize("case", sorted(INBOX_BAD))
def test_inbox_refuses_bad_input_naming_the_problem(
    case: str, peer_app: Any, anon: TestClient, session: Session
) -> None:
    before = written(session)
    response = post(anon, _raw(case))
    _, status, word = INBOX_BAD[case]
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] and word.lower() in json.dumps(body, ensure_ascii=False).lower(), body
    assert written(session) == before


def test_replays_store_nothing_new(peer_app: Any, anon: TestClient, session: Session) -> None:
    uid = uuid.uuid4().hex
    doc = sealed("transfer", transfer_payload(uid), uid=uid)
    assert post(anon, doc).json()["status"] == "applied"
    after_first = written(session)
    # The same message again (a retry or a replay): recognised by its id, nothing stored twice.
    assert post(anon, doc).json() == {"status": "duplicate", "message_id": doc["message_id"]}
    # The same seq under a new id (a replay with a forged id cannot be signed, so a sender bug): refused.
    again = sealed("transfer", transfer_payload(uid), uid=uid)
    response = post(anon, again)
    assert response.status_code == 409 and "already applied" in response.json()["message"]
    # A captured envelope replayed after the freshness window.
    old = sealed("transfer", transfer_payload(uid), uid=uid, seq=2, now=utcnow() - timedelta(minutes=10))
    response = post(anon, old)
    assert response.status_code == 422 and "replayed" in response.json()["message"]
    assert written(session) == after_first


def test_a_message_for_an_order_of_another_peer_is_refused(
    peer_app: Any, anon: TestClient, session: Session
) -> None:
    uid = uuid.uuid4().hex
    session.add(ExchangeOrder(order_key=uid, peer="node-other", out_seq=0, in_seq=0, updated_at=utcnow()))
    session.commit()
    before = written(session)
    response = post(anon, sealed("transfer", transfer_payload(uid), uid=uid))
    assert response.status_code == 403 and "node-other" in response.json()["message"]
    assert written(session) == before


# --- operator endpoints: retry, delivery-state listing, the remote view -------------------------------------


def _failed_message(session: Session) -> ExchangeMessage:
    msg = ExchangeMessage(
        message_id=uuid.uuid4().hex, peer="node-12345", type="transfer", order_key=uuid.uuid4().hex, seq=1,
        payload={"x": 1}, status="failed", attempts=12, last_error="HTTP 422: bad", next_attempt_at=utcnow(),
        created_at=utcnow(),
    )  # fmt: skip
    session.add(msg)
    session.commit()
    return msg


@pytest.mark.parametrize(
    ("path", "status", "word"),
    [
        ("/api/v1/exchange/messages/999999/retry", 404, "not found"),
        ("/api/v1/exchange/messages/0/retry", 422, "message_id"),
        ("/api/v1/exchange/messages/-5/retry", 422, "message_id"),
        ("/api/v1/exchange/messages/99999999999999999999999/retry", 422, "message_id"),
        ("/api/v1/exchange/messages/abc/retry", 422, "message_id"),
        ("/api/v1/exchange/messages/1%27%3B%20DROP%20TABLE%20x/retry", 422, "message_id"),
    ],
)
def test_retry_refuses_unknown_and_malformed_ids(
    path: str, status: int, word: str, peer_app: Any, client: TestClient, session: Session
) -> None:
    before = written(session)
    response = client.post(path)
    assert response.status_code == status, response.text
    assert word in json.dumps(response.json()).lower()
    assert written(session) == before


def test_retry_only_failed_messages_and_only_operators(
    peer_app: Any, client: TestClient, as_role: Any, session: Session
) -> None:
    msg = _failed_message(session)
    seat = as_role("seat_12345")
    before = written(session)
    assert seat.post(f"/api/v1/exchange/messages/{msg.id}/retry").status_code == 403
    assert TestClient(peer_app).post(f"/api/v1/exchange/messages/{msg.id}/retry").status_code == 401
    assert written(session) == before
    response = client.post(f"/api/v1/exchange/messages/{msg.id}/retry")
    assert response.status_code == 200 and response.json()["status"] == "pending"
    jobs = session.scalar(select(func.count()).select_from(OutboxJob)) or 0
    # Retrying it again while pending is a conflict that changes nothing.
    before = written(session)
    response = client.post(f"/api/v1/exchange/messages/{msg.id}/retry")
    assert response.status_code == 409 and "only failed" in response.json()["message"]
    assert written(session) == before and before["outbox_jobs"] == jobs


@pytest.mark.parametrize(
    ("query", "word"),
    [
        ("status=lost", "status"),
        ("status=%27%20OR%201%3D1", "status"),
        ("limit=0", "limit"),
        ("limit=100000", "limit"),
        ("limit=abc", "limit"),
        ("offset=-1", "offset"),
        ("order_key=" + "k" * 65, "order_key"),
    ],
)
def test_message_listing_refuses_bad_queries(
    query: str, word: str, peer_app: Any, client: TestClient, session: Session
) -> None:
    before = written(session)
    response = client.get(f"/api/v1/exchange/messages?{query}")
    assert response.status_code == 422, response.text
    assert word in response.json()["message"]
    assert written(session) == before


def test_message_listing_with_hostile_filters_is_empty_not_an_error(
    peer_app: Any, client: TestClient, session: Session
) -> None:
    _failed_message(session)
    before = written(session)
    for value in HOSTILE[:4]:
        response = client.get("/api/v1/exchange/messages", params={"order_key": value})
        assert response.status_code == 200 and response.json()["items"] == []
    assert client.get("/api/v1/exchange/messages?status=failed").json()["items"][0]["last_error"]
    assert as_role_forbidden(peer_app, session)
    assert written(session) == before


def as_role_forbidden(app: Any, session: Session) -> bool:
    from tests.conftest import issue_token

    seat = TestClient(app, headers={"Authorization": f"Bearer {issue_token(session, 'unit_staff')}"})
    with seat:
        listing = seat.get("/api/v1/exchange/messages")
    return listing.status_code == 403 and TestClient(app).get("/api/v1/exchange/messages").status_code == 401


@pytest.mark.parametrize(
    ("uid", "status", "word"),
    [
        (uuid.uuid4().hex, 404, "not found"),
        ("k" * 65, 422, "uid"),
        ("%27%3B%20DROP%20TABLE%20exchange_orders%3B%20--", 404, "not found"),
        ("%3Cscript%3E", 404, "not found"),
        ("%E5%90%8D" * 70, 422, "uid"),
    ],
)
def test_remote_view_refuses_unknown_and_malformed_ids(
    uid: str, status: int, word: str, peer_app: Any, client: TestClient, session: Session
) -> None:
    before = written(session)
    response = client.get(f"/api/v1/exchange/transfers/{uid}/remote")
    assert response.status_code == status, response.text
    assert word in json.dumps(response.json(), ensure_ascii=False).lower()
    assert written(session) == before


def test_remote_view_needs_a_reader(peer_app: Any, as_role: Any, session: Session) -> None:
    before = written(session)
    assert TestClient(peer_app).get(f"/api/v1/exchange/transfers/{'a' * 32}/remote").status_code == 401
    assert as_role("data_consumer").get(f"/api/v1/exchange/transfers/{'a' * 32}/remote").status_code == 403
    assert written(session) == before
