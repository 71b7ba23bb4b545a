"""Record and replay events."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from liandong.core.timeutil import utcnow
from liandong.database import idblocks
from liandong.events.models import Event

_PLAIN = frozenset({str, int, float, bool, type(None)})


def jsonable(value: Any) -> Any:
    """A JSON-safe copy of a field value (datetimes as ISO strings, enums by value)."""
    if type(value) in _PLAIN:  # most values; exact types, so str-valued enums still go below
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def snapshot(obj: object, fields: Iterable[str]) -> dict[str, Any]:
    return {name: jsonable(getattr(obj, name)) for name in fields}


_INSERT_EVENT = insert(cast(Table, Event.__table__))


def record(
    *,
    session: Session,
    entity_type: str,
    entity_id: int,
    action: str,
    actor: str,
    before: dict[str, Any],
    after: dict[str, Any],
    from_state: str | None = None,
    to_state: str | None = None,
    note: str | None = None,
) -> None:
    """Append an event in the session's transaction; only fields whose value changed are kept in before/after.

    A plain INSERT, not an ORM object: the event is never changed afterwards, and an object added after the record's
    own flush made the commit run a second unit-of-work pass on every change.
    """
    changed = {k for k in after if before.get(k) != after[k]}
    row = {
        "entity_type": entity_type, "entity_id": entity_id, "action": action, "actor": actor,
        "occurred_at": utcnow(), "from_state": from_state, "to_state": to_state,
        "before": {k: before.get(k) for k in changed}, "after": {k: after[k] for k in changed}, "note": note,
    }  # fmt: skip
    session.connection().execute(_INSERT_EVENT, row)


class Numbered(Protocol):
    id: int
    number: str | None
    status: str


def make_number(prefix: str, when: datetime, row_id: int) -> str:
    """A record's public number: prefix, date, zero-padded id (SQ20260301 00000042)."""
    return f"{prefix}{when:%Y%m%d}{row_id:08d}"


def add_numbered(
    *,
    session: Session,
    obj: Numbered,
    prefix: str,
    when: datetime,
    entity_type: str,
    action: str,
    actor: str,
    fields: Iterable[str],
) -> None:
    """Insert a new record, give it its number and record its creation event with `fields` as the after-image."""
    reserved = idblocks.reserve(session=session, table=obj.__tablename__)  # type: ignore[attr-defined]
    if reserved is not None:
        obj.id = reserved
        obj.number = make_number(prefix, when, reserved)
    session.add(obj)
    session.flush()  # column defaults (status, timestamps) are part of the after-image
    if reserved is None:
        obj.number = make_number(prefix, when, obj.id)
    record(
        session=session,
        entity_type=entity_type,
        entity_id=obj.id,
        action=action,
        actor=actor,
        before={},
        after=snapshot(obj, (*fields, "number")),
        to_state=obj.status,
    )


def history(*, session: Session, entity_type: str, entity_id: int) -> list[Event]:
    stmt = (
        select(Event).where(Event.entity_type == entity_type, Event.entity_id == entity_id).order_by(Event.id)
    )
    return list(session.scalars(stmt))


def replay(events: Iterable[Event]) -> dict[str, Any]:
    """Fold the after-images of events into the record's current field values."""
    state: dict[str, Any] = {}
    for event in events:
        state.update(event.after)
    return state


def record_change(
    *,
    session: Session,
    entity_type: str,
    obj: Any,
    tracked: Iterable[str],
    action: str,
    actor: str,
    before: dict[str, Any],
    note: str | None = None,
) -> None:
    """Record a change of `obj` against the snapshot `before` taken of the same tracked fields."""
    record(
        session=session,
        entity_type=entity_type,
        entity_id=obj.id,
        action=action,
        actor=actor,
        before=before,
        after=snapshot(obj, tracked),
        from_state=str(before.get("status") or "") or None,
        to_state=getattr(obj, "status", None),
        note=note,
    )
