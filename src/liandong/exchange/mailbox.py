"""Shared intermediate database (共建中间库): nodes post envelopes into one mailbox table and poll their own rows.

Same envelopes and guarantees as HTTP push: the sender posts a signed envelope (its message is then "delivered"),
the recipient's relay verifies, deduplicates and applies it through the inbox path, and records the outcome on the
row. A refusal goes back to the sender's relay, which marks its message failed with the reason; an operator retry
re-posts the same message id, which resets the refused row.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from liandong.config import Settings
from liandong.core.errors import DomainError
from liandong.core.timeutil import as_utc
from liandong.database import create_db_engine
from liandong.exchange import envelope, inbox
from liandong.exchange.models import ExchangeMessage

log = logging.getLogger(__name__)

WAKE_CHANNEL = "liandong_mailbox"  # notification payload: the recipient's node id
MAX_ATTEMPTS = 12  # as for HTTP delivery: a row that keeps failing here is refused after this many tries

# Shared infrastructure both agencies reach: created idempotently here rather than by either node's migrations.
DDL = (
    """CREATE TABLE IF NOT EXISTS exchange_mailbox (
        id BIGSERIAL PRIMARY KEY,
        message_id VARCHAR(32) NOT NULL UNIQUE,
        sender VARCHAR(64) NOT NULL,
        recipient VARCHAR(64) NOT NULL,
        envelope TEXT NOT NULL,
        posted_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        attempts INTEGER NOT NULL DEFAULT 0,
        not_before TIMESTAMPTZ NOT NULL DEFAULT now(),
        consumed_at TIMESTAMPTZ,
        outcome VARCHAR(500),
        refused BOOLEAN NOT NULL DEFAULT false,
        reported_at TIMESTAMPTZ
    )""",
    "CREATE INDEX IF NOT EXISTS ix_exchange_mailbox_due ON exchange_mailbox (recipient, id) WHERE consumed_at IS NULL",
    "CREATE INDEX IF NOT EXISTS ix_exchange_mailbox_refused ON exchange_mailbox (sender, id) "
    "WHERE refused AND reported_at IS NULL",
)


@lru_cache
def _engine(url: str) -> Engine:
    engine = create_db_engine(url)
    ensure_schema(engine)
    return engine


def ensure_schema(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        raise ValueError("the shared_db transport needs PostgreSQL (SELECT ... FOR UPDATE SKIP LOCKED)")
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(724512345)"))  # two nodes creating it at once
        for statement in DDL:
            conn.execute(text(statement))


def post(*, settings: Settings, doc: dict[str, Any]) -> None:
    """Write an envelope for the recipient.

    Posting the same message id again is a no-op (a sender retry after a crash), unless the recipient refused
    it: then it is an operator retry, and the row is reset with the freshly signed envelope.
    """
    assert settings.exchange_database_url
    with _engine(settings.exchange_database_url).begin() as conn:
        conn.execute(
            text(
                "INSERT INTO exchange_mailbox (message_id, sender, recipient, envelope) VALUES (:m, :s, :r, :e) "
                "ON CONFLICT (message_id) DO UPDATE SET envelope = EXCLUDED.envelope, posted_at = now(), "
                "attempts = 0, not_before = now(), consumed_at = NULL, outcome = NULL, refused = false, "
                "reported_at = NULL WHERE exchange_mailbox.refused"
            ),
            {
                "m": doc["message_id"],
                "s": doc["sender"],
                "r": doc["recipient"],
                "e": envelope.canonical(doc).decode(),
            },
        )
        # Wakes the recipient's relay at commit; it also polls now and then, so a lost signal only delays.
        conn.execute(text("SELECT pg_notify(:c, :r)"), {"c": WAKE_CHANNEL, "r": doc["recipient"]})


def poll(*, settings: Settings, session_factory: sessionmaker[Session], limit: int = 50) -> int:
    """Apply due mailbox rows addressed to this node through the inbox path; returns how many were handled.

    Each row is locked (SKIP LOCKED, so several relays share the work) and marked consumed only after the local
    transaction that stored it committed: a crash in between re-reads it, and the inbox answers 'duplicate'.
    """
    assert settings.exchange_database_url
    count = 0
    with _engine(settings.exchange_database_url).begin() as conn:
        rows = conn.execute(
            text(
                "SELECT id, envelope, posted_at, attempts FROM exchange_mailbox "
                "WHERE recipient = :me AND consumed_at IS NULL AND not_before <= now() "
                "ORDER BY id LIMIT :n FOR UPDATE SKIP LOCKED"
            ),
            {"me": settings.node_id, "n": limit},
        ).all()
        for row_id, raw, posted_at, attempts in rows:
            # Freshness is judged against when the row was posted, not read: a node that was down for an hour
            # must still take its mail. Replays stay refused: the mailbox and the inbox both key on message_id.
            outcome, refused = _consume(settings, session_factory, raw.encode("utf-8"), as_utc(posted_at))
            if outcome is None:
                _postpone(conn, row_id, attempts + 1)
                continue
            _close(conn, row_id, outcome, refused=refused)
            count += 1
    return count


def _close(conn: Connection, row_id: int, outcome: str, *, refused: bool) -> None:
    conn.execute(
        text("UPDATE exchange_mailbox SET consumed_at = now(), outcome = :o, refused = :r WHERE id = :i"),
        {"o": outcome[:500], "r": refused, "i": row_id},
    )


def _postpone(conn: Connection, row_id: int, attempts: int) -> None:
    """A transient failure here (local database down, a bug): back off, and refuse after MAX_ATTEMPTS."""
    if attempts >= MAX_ATTEMPTS:
        _close(conn, row_id, f"rejected: not applied after {attempts} attempts", refused=True)
        return
    conn.execute(
        text("UPDATE exchange_mailbox SET attempts = :a, not_before = now() + :d WHERE id = :i"),
        {"a": attempts, "d": timedelta(seconds=min(0.25 * 2 ** (attempts - 1), 300)), "i": row_id},
    )


def _consume(
    settings: Settings, session_factory: sessionmaker[Session], raw: bytes, posted_at: datetime
) -> tuple[str | None, bool]:
    """(outcome, refused) of one envelope; (None, _) when it should be tried again later."""
    with session_factory() as session:
        try:
            status = inbox.receive(session=session, doc=envelope.parse(raw), settings=settings, now=posted_at)
            session.commit()
            return status, False
        except DomainError as exc:
            session.rollback()  # refused: nothing kept locally, the reason goes back to the sender
            return f"rejected: {exc.code}: {exc.message}", True
        except Exception:
            session.rollback()
            log.exception("mailbox message could not be applied")
            return None, False


def collect_refusals(*, settings: Settings, session_factory: sessionmaker[Session], limit: int = 50) -> int:
    """Sender side: mark our messages the recipient refused as failed, with its reason (as an HTTP 4xx would)."""
    assert settings.exchange_database_url
    count = 0
    with _engine(settings.exchange_database_url).begin() as conn:
        rows = conn.execute(
            text(
                "SELECT id, message_id, recipient, outcome FROM exchange_mailbox "
                "WHERE sender = :me AND refused AND reported_at IS NULL ORDER BY id LIMIT :n FOR UPDATE SKIP LOCKED"
            ),
            {"me": settings.node_id, "n": limit},
        ).all()
        for row_id, message_id, recipient, outcome in rows:
            with session_factory() as session:
                msg = session.scalar(select(ExchangeMessage).where(ExchangeMessage.message_id == message_id))
                if msg is not None and msg.status == "delivered":
                    msg.status = "failed"
                    msg.last_error = f"refused by {recipient} via the shared mailbox: {outcome}"[:2000]
                    msg.delivered_at = None
                session.commit()
            conn.execute(text("UPDATE exchange_mailbox SET reported_at = now() WHERE id = :i"), {"i": row_id})
            count += 1
    return count


def outcome_of(*, settings: Settings, message_id: str) -> tuple[datetime | None, str | None]:
    """(consumed_at, outcome) of a posted message, for operators and tests."""
    assert settings.exchange_database_url
    with _engine(settings.exchange_database_url).connect() as conn:
        row = conn.execute(
            text("SELECT consumed_at, outcome FROM exchange_mailbox WHERE message_id = :m"), {"m": message_id}
        ).first()
    return (None, None) if row is None else (row[0], row[1])
