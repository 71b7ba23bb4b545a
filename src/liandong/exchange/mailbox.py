"""Shared intermediate database (共建中间库): nodes post envelopes into one mailbox table and poll their own rows."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from liandong.config import Settings
from liandong.core.errors import DomainError
from liandong.database import create_db_engine
from liandong.exchange import envelope, inbox

log = logging.getLogger(__name__)

# Shared infrastructure both agencies reach: created idempotently here rather than by either node's migrations.
DDL = (
    """CREATE TABLE IF NOT EXISTS exchange_mailbox (
        id BIGSERIAL PRIMARY KEY,
        message_id VARCHAR(32) NOT NULL UNIQUE,
        sender VARCHAR(64) NOT NULL,
        recipient VARCHAR(64) NOT NULL,
        envelope TEXT NOT NULL,
        posted_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        consumed_at TIMESTAMPTZ,
        outcome VARCHAR(500)
    )""",
    "CREATE INDEX IF NOT EXISTS ix_exchange_mailbox_due ON exchange_mailbox (recipient, id) WHERE consumed_at IS NULL",
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
    """Write an envelope for the recipient; posting the same message id again is a no-op (sender retries)."""
    assert settings.exchange_database_url
    with _engine(settings.exchange_database_url).begin() as conn:
        conn.execute(
            text(
                "INSERT INTO exchange_mailbox (message_id, sender, recipient, envelope) "
                "VALUES (:m, :s, :r, :e) ON CONFLICT (message_id) DO NOTHING"
            ),
            {
                "m": doc["message_id"],
                "s": doc["sender"],
                "r": doc["recipient"],
                "e": envelope.canonical(doc).decode(),
            },
        )


def poll(*, settings: Settings, session_factory: sessionmaker[Session], limit: int = 50) -> int:
    """Apply due mailbox rows addressed to this node through the inbox path; returns how many were consumed.

    Each row is locked (SKIP LOCKED, so several relays share the work) and marked consumed only after the local
    transaction that stored it committed: a crash in between re-reads it, and the inbox answers 'duplicate'.
    """
    assert settings.exchange_database_url
    count = 0
    with _engine(settings.exchange_database_url).begin() as conn:
        rows = conn.execute(
            text(
                "SELECT id, envelope FROM exchange_mailbox WHERE recipient = :me AND consumed_at IS NULL "
                "ORDER BY id LIMIT :n FOR UPDATE SKIP LOCKED"
            ),
            {"me": settings.node_id, "n": limit},
        ).all()
        for row_id, raw in rows:
            outcome = _consume(settings, session_factory, raw.encode("utf-8"))
            if outcome is None:
                continue  # transient: leave it for the next poll
            conn.execute(
                text("UPDATE exchange_mailbox SET consumed_at = now(), outcome = :o WHERE id = :i"),
                {"o": outcome[:500], "i": row_id},
            )
            count += 1
    return count


def _consume(settings: Settings, session_factory: sessionmaker[Session], raw: bytes) -> str | None:
    with session_factory() as session:
        try:
            status = inbox.receive(session=session, doc=envelope.parse(raw), settings=settings)
            session.commit()
            return status
        except DomainError as exc:
            session.rollback()  # refused: nothing kept locally, the reason stays on the mailbox row
            return f"rejected: {exc.code}: {exc.message}"
        except Exception:
            session.rollback()
            log.exception("mailbox message could not be applied")
            return None
