"""Shared intermediate database transport: the same envelopes and guarantees as HTTP, through one PostgreSQL table.

The mailbox lives in its own PostgreSQL database (LIANDONG_TEST_EXCHANGE_DATABASE_URL, or `ex_<test db>_mailbox`);
the receiving node's own database is the usual test database (SQLite and PostgreSQL). The end-to-end version with
two node processes and SIGKILLs is in test_two_nodes.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker
from tests.exchange.pg import PG_URL, mailbox_url
from tests.exchange.test_endpoints import written
from tests.exchange.test_envelope import KEY, sealed, transfer_payload

from liandong.config import Peer, Settings
from liandong.core.timeutil import utcnow
from liandong.exchange import delivery, envelope, inbox, mailbox, outgoing
from liandong.exchange.models import ExchangeMessage, ExchangeOrder, InboxMessage

pytestmark = pytest.mark.skipif(PG_URL is None, reason="the shared mailbox needs PostgreSQL")

SECRET = "test-secret-key-for-liandong-suite-0123456789"


@pytest.fixture(scope="module")
def shared() -> Iterator[tuple[str, Engine]]:
    url = mailbox_url()
    engine = mailbox._engine(url)
    yield url, engine


@pytest.fixture
def box(shared: tuple[str, Engine]) -> Iterator[tuple[str, Engine]]:
    url, engine = shared
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE exchange_mailbox"))
    yield url, engine


def receiver(url: str, key: str = KEY) -> Settings:
    """The 110 node, taking its mail from the shared database."""
    peer = Peer(node_id="node-12345", role="12345", hmac_key=key)
    return Settings(environment="test", secret_key=SECRET, node_role="110", node_id="node-110", peers=[peer],
                    exchange_transport="shared_db", exchange_database_url=url)  # fmt: skip


def sender(url: str) -> Settings:
    """The 12345 node, posting into the shared database."""
    peer = Peer(node_id="node-110", role="110", hmac_key=KEY)
    return Settings(environment="test", secret_key=SECRET, node_role="12345", node_id="node-12345", peers=[peer],
                    exchange_transport="shared_db", exchange_database_url=url)  # fmt: skip


def rows(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        result = conn.execute(text("SELECT * FROM exchange_mailbox ORDER BY id"))
        return [dict(r._mapping) for r in result]


def insert_raw(engine: Engine, raw: str, message_id: str | None = None) -> None:
    """What a broken or hostile writer with access to the shared database could put there."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO exchange_mailbox (message_id, sender, recipient, envelope) "
                "VALUES (:m, 'node-12345', 'node-110', :e)"
            ),
            {"m": message_id or uuid.uuid4().hex, "e": raw},
        )


def updates(uid: str) -> list[dict[str, Any]]:
    docs = [sealed("transfer", transfer_payload(uid), uid=uid, seq=1)]
    for seq, action in enumerate(("dispatch", "sign", "start"), start=2):
        payload = {"transfer_id": uid, "number": "JJ1", "action": action, "status": action,
                   "at": utcnow().isoformat()}  # fmt: skip
        docs.append(sealed("status-update", payload, uid=uid, seq=seq))
    return docs


def emit_supervision(session: Session) -> ExchangeMessage:
    """A committed outgoing 督办 message to node-110 about a new order."""
    uid = uuid.uuid4().hex
    msg = outgoing.emit(session=session, order_key=uid, peer="node-110", type_="supervision",
                        payload={"transfer_id": uid, "number": "GD1", "at": utcnow().isoformat()})  # fmt: skip
    session.commit()
    return msg


def test_messages_are_applied_once_and_in_sequence(
    box: tuple[str, Engine], session_factory: sessionmaker[Session], session: Session
) -> None:
    url, engine = box
    uid = uuid.uuid4().hex
    docs = updates(uid)
    for i in (3, 1, 0, 2, 0):  # out of order, and the first one twice (a sender retry after a crash)
        mailbox.post(settings=sender(url), doc=docs[i])
    assert len(rows(engine)) == 4
    cfg = receiver(url)
    assert mailbox.poll(settings=cfg, session_factory=session_factory) == 4
    outcomes = {r["message_id"]: r["outcome"] for r in rows(engine)}
    assert outcomes[docs[3]["message_id"]] == "buffered" and outcomes[docs[0]["message_id"]] == "applied"
    assert all(r["consumed_at"] is not None and not r["refused"] for r in rows(engine))
    order = session.scalar(select(ExchangeOrder).where(ExchangeOrder.order_key == uid))
    assert order is not None and order.in_seq == 4 and order.remote_status == "start"
    assert [m.seq for m in inbox.history(session=session, order_key=uid)] == [1, 2, 3, 4]
    # Nothing left: a second poll does nothing.
    assert mailbox.poll(settings=cfg, session_factory=session_factory) == 0
    # A relay killed after its local commit but before marking the row: the row is read again, nothing doubles.
    before = written(session)
    with engine.begin() as conn:
        conn.execute(text("UPDATE exchange_mailbox SET consumed_at = NULL, outcome = NULL"))
    assert mailbox.poll(settings=cfg, session_factory=session_factory) == 4
    assert {r["outcome"] for r in rows(engine)} == {"duplicate"}
    assert written(session) == before


def test_a_node_that_was_down_still_takes_its_mail(
    box: tuple[str, Engine], session_factory: sessionmaker[Session], session: Session
) -> None:
    """Freshness is judged against the posting time: mail waiting an hour is applied, a replayed old one is not."""
    url, engine = box
    uid, old_uid = uuid.uuid4().hex, uuid.uuid4().hex
    an_hour_ago = utcnow() - timedelta(hours=1)
    mailbox.post(
        settings=sender(url), doc=sealed("transfer", transfer_payload(uid), uid=uid, now=an_hour_ago)
    )
    stale = sealed("transfer", transfer_payload(old_uid), uid=old_uid, now=an_hour_ago - timedelta(days=1))
    mailbox.post(settings=sender(url), doc=stale)
    with engine.begin() as conn:
        conn.execute(text("UPDATE exchange_mailbox SET posted_at = :t"), {"t": an_hour_ago})
    assert mailbox.poll(settings=receiver(url), session_factory=session_factory) == 2
    by_id = {r["message_id"]: r for r in rows(engine)}
    assert by_id[stale["message_id"]]["refused"] and "replayed" in by_id[stale["message_id"]]["outcome"]
    assert session.scalar(select(func.count()).select_from(InboxMessage)) == 1


BAD_ROWS = {
    "malformed JSON": ("{not json", "malformed JSON"),
    "a JSON array": ("[]", "JSON object"),
    "NUL": (None, "NUL"),
    "wrong key": (None, "bad signature"),
    "unsigned": (None, "unsigned"),
    "wrong recipient": (None, "recipient"),
    "schema": (None, "reason"),
}


def _bad_row(case: str) -> str:
    uid = uuid.uuid4().hex
    raw, _ = BAD_ROWS[case]
    if raw is not None:
        return raw
    doc = sealed("transfer", transfer_payload(uid), uid=uid)
    if case == "NUL":
        doc = sealed("transfer", {**transfer_payload(uid), "reason": "a\u0000b"}, uid=uid)
    elif case == "wrong key":
        doc = sealed("transfer", transfer_payload(uid), uid=uid, key="w" * 40)
    elif case == "unsigned":
        del doc["signature"]
    elif case == "wrong recipient":
        doc["recipient"] = "node-119"
        doc["signature"] = envelope.signature(doc, KEY)
    elif case == "schema":
        doc = sealed("transfer", {**transfer_payload(uid), "reason": ""}, uid=uid)
    return envelope.canonical(doc).decode().replace("\x00", "\\u0000")


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_bad_rows_are_refused_with_the_reason_and_nothing_kept(
    case: str, box: tuple[str, Engine], session_factory: sessionmaker[Session], session: Session
) -> None:
    url, engine = box
    before = written(session)
    insert_raw(engine, _bad_row(case))
    assert mailbox.poll(settings=receiver(url), session_factory=session_factory) == 1
    (row,) = rows(engine)
    assert row["refused"] and row["consumed_at"] is not None
    assert row["outcome"].startswith("rejected:") and BAD_ROWS[case][1] in row["outcome"], row["outcome"]
    assert written(session) == before


def test_a_refusal_reaches_the_sender_and_an_operator_retry_reposts(
    box: tuple[str, Engine], session_factory: sessionmaker[Session], session: Session
) -> None:
    url, engine = box
    msg = emit_supervision(session)
    assert delivery.deliver(session=session, message_id=msg.message_id, settings=sender(url)) == "delivered"
    (posted,) = rows(engine)
    # The receiver holds another key for us (misconfigured): it refuses the message, keeping nothing.
    with session_factory() as other:
        before = written(other)
        mailbox.poll(settings=receiver(url, key="z" * 40), session_factory=session_factory)
        assert written(other) == before
    assert mailbox.collect_refusals(settings=sender(url), session_factory=session_factory) == 1
    session.refresh(msg)
    assert msg.status == "failed" and "bad signature" in (msg.last_error or "")
    assert mailbox.collect_refusals(settings=sender(url), session_factory=session_factory) == 0
    # The operator fixed the key and retries: the same message id is posted again, the refused row reset.
    delivery.retry(session=session, message_id=msg.id)
    session.commit()
    assert delivery.deliver(session=session, message_id=msg.message_id, settings=sender(url)) == "delivered"
    (again,) = rows(engine)
    assert again["id"] == posted["id"] and not again["refused"] and again["consumed_at"] is None
    assert again["reported_at"] is None and again["envelope"] != posted["envelope"]  # freshly signed


def test_transient_failures_back_off_then_refuse(
    box: tuple[str, Engine], session_factory: sessionmaker[Session], session: Session, monkeypatch: Any
) -> None:
    url, engine = box
    uid = uuid.uuid4().hex
    mailbox.post(settings=sender(url), doc=sealed("transfer", transfer_payload(uid), uid=uid))

    def broken(**_: Any) -> str:
        raise RuntimeError("local database unreachable")

    monkeypatch.setattr(inbox, "receive", broken)
    assert mailbox.poll(settings=receiver(url), session_factory=session_factory) == 0
    (row,) = rows(engine)
    assert row["attempts"] == 1 and row["consumed_at"] is None and row["not_before"] > row["posted_at"]
    assert mailbox.poll(settings=receiver(url), session_factory=session_factory) == 0  # not due yet
    with engine.begin() as conn:
        conn.execute(text("UPDATE exchange_mailbox SET attempts = :a, not_before = now()"),
                     {"a": mailbox.MAX_ATTEMPTS - 1})  # fmt: skip
    assert mailbox.poll(settings=receiver(url), session_factory=session_factory) == 0
    (row,) = rows(engine)
    assert row["refused"] and "not applied after" in row["outcome"]
    assert session.scalar(select(func.count()).select_from(InboxMessage)) == 0


def test_messages_for_other_nodes_are_left_alone(
    box: tuple[str, Engine], session_factory: sessionmaker[Session]
) -> None:
    url, engine = box
    uid = uuid.uuid4().hex
    doc = sealed("transfer", transfer_payload(uid), uid=uid)
    mailbox.post(settings=sender(url), doc={**doc, "recipient": "node-110-b"})
    assert mailbox.poll(settings=receiver(url), session_factory=session_factory) == 0
    assert rows(engine)[0]["consumed_at"] is None


def test_the_relay_posts_due_messages_and_takes_its_mail(
    box: tuple[str, Engine], session_factory: sessionmaker[Session], session: Session
) -> None:
    from liandong.exchange.relay import Relay

    url, engine = box
    msg = emit_supervision(session)
    Relay(settings=sender(url), factory=session_factory).run_once()
    session.refresh(msg)
    assert msg.status == "delivered" and [r["message_id"] for r in rows(engine)] == [msg.message_id]
    with engine.begin() as conn:  # (this one database plays both nodes: start the receiving half afresh)
        conn.execute(text("TRUNCATE exchange_mailbox"))
    other = uuid.uuid4().hex
    doc = sealed("transfer", transfer_payload(other), uid=other)
    mailbox.post(settings=sender(url), doc=doc)
    Relay(settings=receiver(url), factory=session_factory).run_once()
    assert [(r["message_id"], r["outcome"]) for r in rows(engine)] == [(doc["message_id"], "applied")]
    assert session.scalar(select(func.count()).select_from(InboxMessage)) == 1


def test_the_transport_refuses_sqlite(tmp_path: Any) -> None:
    from liandong.database import create_db_engine

    with pytest.raises(ValueError, match="PostgreSQL"):
        mailbox.ensure_schema(create_db_engine(f"sqlite:///{tmp_path / 'x.db'}"))
