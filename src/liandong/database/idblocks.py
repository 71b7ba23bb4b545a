"""Ids taken from PostgreSQL sequences a block at a time, so a new record knows its id (and number) before its INSERT.

A numbered record (request, work order, incident) carries a number made from its id. Without the id up front it is
inserted, then updated with its number: an extra statement and an extra audit row on every intake. One
`nextval` per block of ids costs a round trip per `BLOCK` records instead. Ids stay unique (the sequence hands each
value out once); across processes they are no longer in creation order, by at most a block, and a process that
stops leaves the rest of its block unused, as sequences already do on rollback. SQLite keeps insert-then-number.
Restart the processes after restoring a database under them: they would still hand out ids they reserved before.
"""

from __future__ import annotations

import threading
from collections import deque

from sqlalchemy import text
from sqlalchemy.orm import Session

BLOCK = 20

_lock = threading.Lock()
_reserved: dict[tuple[str, str], deque[int]] = {}


def reserve(*, session: Session, table: str) -> int | None:
    """The next id of `table` reserved for this process, or None where ids come from the INSERT (SQLite)."""
    engine = session.get_bind().engine
    if engine.dialect.name != "postgresql":
        return None
    key = (engine.url.render_as_string(hide_password=True), table)
    with _lock:
        block = _reserved.get(key)
        if block:
            return block.popleft()
    ids = session.scalars(
        text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
        {"table": table, "n": BLOCK},
    ).all()
    with _lock:
        _reserved.setdefault(key, deque()).extend(ids[1:])
    return int(ids[0])


def forget() -> None:
    """Drop reserved ids (after a schema is dropped and its sequences start again)."""
    with _lock:
        _reserved.clear()
