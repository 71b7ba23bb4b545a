"""Audit rows are written unsealed by each transaction and chained afterwards by one sealer."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from liandong.outbox import worker
from liandong.security import audit, flows
from liandong.security import jobs as security_jobs
from liandong.security.models import AuditEntry


def _append(session: Session, n: int, prefix: str = "test") -> list[AuditEntry]:
    rows = [audit.append(session=session, actor="tester", action=f"{prefix}.{i}") for i in range(n)]
    session.commit()
    return rows


def test_rows_are_written_unsealed_and_sealed_in_id_order(session: Session) -> None:
    flows.seal_audit(session=session)
    rows = _append(session, 3)
    assert all(r.seq is None and r.hash is None for r in rows)
    before = audit.verify(session=session)
    assert before.ok and before.unsealed == 3

    assert flows.seal_audit(session=session) == 3
    sealed = session.scalars(select(AuditEntry).where(AuditEntry.id.in_([r.id for r in rows]))).all()
    ordered = sorted(sealed, key=lambda r: r.id)
    assert [r.seq for r in ordered] == sorted(r.seq for r in ordered)  # id order within one seal
    assert ordered[1].prev_hash == ordered[0].hash and ordered[2].prev_hash == ordered[1].hash
    after = audit.verify(session=session)
    assert after.ok and after.unsealed == 0 and after.checked >= 3
    assert flows.seal_audit(session=session) == 0  # nothing new: idempotent


def test_later_seal_continues_the_chain(session: Session) -> None:
    first = _append(session, 2, "first")
    flows.seal_audit(session=session)
    second = _append(session, 2, "second")
    flows.seal_audit(session=session)
    head_of_second = min(second, key=lambda r: r.id)
    tail_of_first = max(first, key=lambda r: r.id)
    assert head_of_second.prev_hash == tail_of_first.hash
    assert head_of_second.seq == (tail_of_first.seq or 0) + 1
    assert audit.verify(session=session).ok


def test_database_refuses_changing_an_unsealed_row(session: Session) -> None:
    (row,) = _append(session, 1)
    with pytest.raises(DBAPIError):
        session.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE id = :id"), {"id": row.id})
    session.rollback()
    with pytest.raises(DBAPIError):  # sealing must not change the content either
        session.execute(
            text("UPDATE audit_log SET seq = 999999, hash = 'x', detail = '{}', action = 'y' WHERE id = :id"),
            {"id": row.id},
        )
    session.rollback()
    with pytest.raises(DBAPIError):
        session.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": row.id})
    session.rollback()


def test_database_refuses_resealing_a_sealed_row(session: Session) -> None:
    (row,) = _append(session, 1)
    flows.seal_audit(session=session)
    with pytest.raises(DBAPIError):
        session.execute(text("UPDATE audit_log SET hash = :h WHERE id = :id"), {"h": "0" * 64, "id": row.id})
    session.rollback()
    assert audit.verify(session=session).ok


def test_the_worker_job_seals(session: Session) -> None:
    _append(session, 2)
    assert audit.verify(session=session).unsealed >= 2
    security_jobs.seal(session, {"slot": 1})
    session.commit()
    assert audit.verify(session=session).unsealed == 0
    assert "audit.seal" in worker.HANDLERS


def test_api_verify_seals_first(client: TestClient, session: Session) -> None:
    client.post("/api/v1/requests", json={"channel": "web", "content": "路灯坏了"})
    body = client.post("/api/v1/audit/verify").json()
    assert body["ok"] is True and body["unsealed"] == 0 and body["checked"] >= 1
    listed = client.get("/api/v1/audit?limit=5").json()
    assert all(entry["hash"] and entry["seq"] for entry in listed)
