"""Signed envelopes through the inbox: bad input is refused with a clear error and nothing is stored."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liandong.config import Peer, Settings
from liandong.core.timeutil import utcnow
from liandong.exchange import envelope, inbox
from liandong.exchange.models import ExchangeOrder, InboxMessage
from liandong.linkage.models import Transfer

KEY = "k" * 40
PEER = Peer(node_id="node-12345", role="12345", url="http://127.0.0.1:1", hmac_key=KEY)


def node_settings() -> Settings:
    return Settings(environment="test", secret_key="test-secret-key-for-liandong-suite-0123456789",
                    node_role="110", node_id="node-110", peers=[PEER])  # fmt: skip


def transfer_payload(uid: str) -> dict[str, Any]:
    return {
        "transfer_id": uid, "from_platform": "12345", "to_platform": "110", "emergency": False, "reason": "转办",
        "request": {"number": "SQ1", "channel": "phone", "received_at": utcnow().isoformat(),
                    "received_by": "12345", "content": "有人打架"},
    }  # fmt: skip


def sealed(
    type_: str, payload: dict[str, Any], *, uid: str, seq: int = 1, key: str = KEY, **kw: Any
) -> dict[str, Any]:
    return envelope.seal(message_id=uuid.uuid4().hex, type_=type_, sender="node-12345", recipient="node-110",
                         order_key=uid, seq=seq, payload=payload, key=key, **kw)  # fmt: skip


def stored(session: Session) -> tuple[int, int, int]:
    return (
        session.scalar(select(func.count()).select_from(InboxMessage)) or 0,
        session.scalar(select(func.count()).select_from(ExchangeOrder)) or 0,
        session.scalar(select(func.count()).select_from(Transfer)) or 0,
    )


@pytest.fixture
def peer_app(app: Any) -> Any:
    app.state.settings = node_settings()  # type: ignore[attr-defined]
    return app


def post(anon: TestClient, body: bytes | dict[str, Any]) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return anon.post("/api/v1/exchange/inbox", content=raw, headers={"Content-Type": "application/json"})


def tampered(doc: dict[str, Any]) -> dict[str, Any]:
    doc["payload"]["reason"] = "改过的"
    return doc


BAD = {
    "unsigned": (lambda uid: {k: v for k, v in sealed("transfer", transfer_payload(uid), uid=uid).items() if k != "signature"}, 401),
    "wrong key": (lambda uid: sealed("transfer", transfer_payload(uid), uid=uid, key="x" * 40), 401),
    "tampered": (lambda uid: tampered(sealed("transfer", transfer_payload(uid), uid=uid)), 401),
    "unknown sender": (lambda uid: {**sealed("transfer", transfer_payload(uid), uid=uid), "sender": "node-x"}, 401),
    "old": (lambda uid: sealed("transfer", transfer_payload(uid), uid=uid, now=utcnow() - timedelta(minutes=6)), 422),
    "schema": (lambda uid: sealed("transfer", {**transfer_payload(uid), "reason": ""}, uid=uid), 422),
    "missing field": (lambda uid: sealed("transfer", {"transfer_id": uid}, uid=uid), 422),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_envelopes_are_refused_and_nothing_kept(
    case: str, peer_app: Any, anon: TestClient, session: Session
) -> None:
    make, code = BAD[case]
    response = post(anon, make(uuid.uuid4().hex))
    assert response.status_code == code, response.text
    assert response.json()["code"] and response.json()["message"]
    assert stored(session) == (0, 0, 0)


@pytest.mark.parametrize("raw", [b"{not json", b"[]", b"\xff\xfe", b'{"a":' + b"1" * 300_000 + b"}"])
def test_malformed_and_oversized_are_refused(
    raw: bytes, peer_app: Any, anon: TestClient, session: Session
) -> None:
    assert post(anon, raw).status_code in (401, 413, 422)
    assert stored(session) == (0, 0, 0)


def test_transfer_is_applied_once_and_duplicates_are_safe(
    peer_app: Any, anon: TestClient, session: Session
) -> None:
    uid = uuid.uuid4().hex
    doc = sealed("transfer", transfer_payload(uid), uid=uid)
    assert post(anon, doc).json()["status"] == "applied"
    assert post(anon, doc).json()["status"] == "duplicate"
    assert stored(session) == (1, 1, 1)
    transfer = session.scalar(select(Transfer).where(Transfer.transfer_uid == uid))
    assert transfer is not None and transfer.status == "pending" and transfer.from_platform == "12345"


UPDATES = [
    ("status-update", {"number": "GD1", "action": a, "status": a}) for a in ("dispatch", "sign", "start", "x")
]


@hsettings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(range(5)))
def test_any_arrival_order_gives_the_same_state(order: list[int], session: Session) -> None:
    """Messages of one order are applied strictly in seq order, whatever order they arrive in."""
    uid = uuid.uuid4().hex
    docs = [sealed("transfer", transfer_payload(uid), uid=uid, seq=1)]
    for i, (type_, extra) in enumerate(UPDATES, start=2):
        payload = {"transfer_id": uid, "at": utcnow().isoformat(), **extra}
        docs.append(sealed(type_, payload, uid=uid, seq=i))
    cfg = node_settings()
    for i in order:
        inbox.receive(session=session, doc=docs[i], settings=cfg)
    session.flush()
    row = session.scalar(select(ExchangeOrder).where(ExchangeOrder.order_key == uid))
    assert row is not None and row.in_seq == 5 and row.remote_status == "x"
    assert [m.seq for m in inbox.history(session=session, order_key=uid)] == [1, 2, 3, 4, 5]
    session.rollback()
