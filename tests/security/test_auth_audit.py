"""Login and lockout, token lifecycle, masking, audited unmasking, the tamper-evident audit log, rate limits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from liandong.core.timeutil import utcnow
from liandong.security import audit
from liandong.security import service as security
from liandong.security.models import ApiToken, AuditEntry, User
from liandong.security.principal import Principal
from liandong.security.schemas import UserCreate
from liandong.security.tokencache import PrincipalCache

AsRole = Callable[..., TestClient]
PASSWORD = "correct horse battery"


@pytest.fixture
def seat_user(session: Session) -> User:
    user = security.create_user(
        session=session,
        data=UserCreate(username="seat01", display_name="坐席一", password=PASSWORD, role="seat_12345"),
    )
    session.commit()
    return user


def test_login_me_logout(anon: TestClient, seat_user: User) -> None:
    response = anon.post("/api/v1/auth/login", json={"username": "seat01", "password": PASSWORD})
    assert response.status_code == 200, response.text
    token = response.json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    me = anon.get("/api/v1/auth/me", headers=headers).json()
    assert me["role"] == "seat_12345" and "request:write" in me["permissions"]
    assert anon.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert anon.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_console_cookie_works(anon: TestClient, seat_user: User) -> None:
    anon.post("/api/v1/auth/login", json={"username": "seat01", "password": PASSWORD})
    assert anon.get("/api/v1/auth/me").json()["name"] == "seat01"


def test_lockout_after_repeated_failures(anon: TestClient, session: Session, seat_user: User) -> None:
    for _ in range(security.MAX_FAILED_LOGINS):
        bad = anon.post("/api/v1/auth/login", json={"username": "seat01", "password": "wrong password!"})
        assert bad.status_code == 401
    locked = anon.post("/api/v1/auth/login", json={"username": "seat01", "password": PASSWORD})
    assert locked.status_code == 401 and "locked" in locked.json()["message"]
    user = session.scalar(
        select(User).where(User.username == "seat01").execution_options(populate_existing=True)
    )
    assert user is not None and user.locked_until is not None
    user.locked_until = utcnow() - timedelta(seconds=1)
    session.commit()
    assert (
        anon.post("/api/v1/auth/login", json={"username": "seat01", "password": PASSWORD}).status_code == 200
    )
    actions = [e.action for e in session.scalars(select(AuditEntry))]
    assert actions.count("login.failed") == security.MAX_FAILED_LOGINS and "login.locked" in actions


def test_unknown_user_and_bad_body(anon: TestClient, session: Session) -> None:
    assert anon.post("/api/v1/auth/login", json={"username": "ghost", "password": "x"}).status_code == 401
    assert anon.post("/api/v1/auth/login", json={"username": "", "password": "x"}).status_code == 422
    assert session.scalars(select(ApiToken)).all() == []


def test_expired_and_revoked_tokens(
    app: FastAPI, client: TestClient, anon: TestClient, session: Session
) -> None:
    now = [1000.0]
    app.state.principals = PrincipalCache(ttl=5, clock=lambda: now[0])
    issued = client.post("/api/v1/tokens", json={"name": "peer", "role": "seat_110", "days": 1}).json()
    headers = {"Authorization": f"Bearer {issued['token']}"}
    assert anon.get("/api/v1/incidents", headers=headers).status_code == 200
    stored = session.get(ApiToken, issued["id"], populate_existing=True)
    assert stored is not None and issued["token"] not in stored.token_hash
    # Expired by another process: this one trusts its check of the token for auth_cache_seconds, no longer.
    stored.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    now[0] += 5
    assert anon.get("/api/v1/incidents", headers=headers).status_code == 401
    stored.expires_at = utcnow() + timedelta(days=1)
    session.commit()
    assert anon.get("/api/v1/incidents", headers=headers).status_code == 200
    # Revoked through this process: refused at once.
    assert client.delete(f"/api/v1/tokens/{issued['id']}").status_code == 204
    assert anon.get("/api/v1/incidents", headers=headers).status_code == 401


def test_token_cache_keeps_a_principal_no_longer_than_its_token() -> None:
    now = [0.0]
    cache = PrincipalCache(ttl=60, clock=lambda: now[0])
    live = Principal(name="a", role="seat_110", expires_at=utcnow() + timedelta(hours=1))
    cache.put("ld_live", live)
    cache.put("ld_dead", Principal(name="b", role="seat_110", expires_at=utcnow() - timedelta(seconds=1)))
    assert cache.get("ld_live", source_ip="10.0.0.9") == Principal(
        name="a", role="seat_110", expires_at=live.expires_at, source_ip="10.0.0.9"
    )
    assert cache.get("ld_dead", source_ip=None) is None
    assert cache.get("ld_other", source_ip=None) is None
    now[0] = 60
    assert cache.get("ld_live", source_ip=None) is None
    off = PrincipalCache(ttl=0)
    off.put("ld_live", live)
    assert off.get("ld_live", source_ip=None) is None


def test_lists_mask_numbers_in_text_and_unmask_is_audited(client: TestClient, session: Session) -> None:
    created = client.post("/api/v1/requests", json={
        "channel": "phone", "content": "我的电话是13912345678, 身份证430104199001011234", "caller_phone": "13912345678",
        "caller_name": "王小明"}).json()  # fmt: skip
    listed = client.get("/api/v1/requests").json()["items"][0]
    assert "13912345678" not in listed["content"] and "430104199001011234" not in listed["content"]
    assert listed["caller_phone"] == "139****5678" and listed["caller_name"] == "王**"
    assert client.post(f"/api/v1/requests/{created['id']}/unmask", json={}).status_code == 422
    full = client.post(f"/api/v1/requests/{created['id']}/unmask", json={"reason": "回拨核实地址"}).json()
    assert full == {"caller_name": "王小明", "caller_phone": "13912345678"}
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "pii.unmask")).one()
    assert entry.detail == {"reason": "回拨核实地址"} and entry.actor.startswith("admin:")
    assert entry.source_ip


def test_unit_staff_cannot_unmask(session: Session, as_role: AsRole, client: TestClient) -> None:
    from tests.factories import make_unit, make_work_order

    unit = make_unit(session)
    order = make_work_order(session, unit=unit)
    staff = as_role("unit_staff", organisation_id=unit.id)
    assert (
        staff.post(f"/api/v1/requests/{order.request_id}/unmask", json={"reason": "想知道"}).status_code
        == 403
    )


def test_every_change_is_audited_with_actor(client: TestClient, session: Session) -> None:
    created = client.post("/api/v1/requests", json={"channel": "web", "content": "路灯坏了"}).json()
    entries = session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "requests")).all()
    assert any(e.action == "requests.create" and e.entity_id == str(created["id"]) for e in entries)
    assert all(e.actor.startswith("admin:") for e in entries)
    assert "caller_phone_enc" not in str([e.detail for e in entries])


def test_audit_verify_detects_altered_and_deleted_rows(
    client: TestClient, session: Session, engine: object
) -> None:
    for i in range(3):
        client.post("/api/v1/requests", json={"channel": "web", "content": f"诉求{i}"})
    assert client.post("/api/v1/audit/verify").json()["ok"] is True
    rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert len(rows) >= 3
    with pytest.raises(DBAPIError):  # the database refuses changes to the log
        session.execute(text("UPDATE audit_log SET actor = 'x' WHERE id = :id"), {"id": rows[1].id})
    session.rollback()
    _drop_guard(session)
    session.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE id = :id"), {"id": rows[1].id})
    result = audit.verify(session=session)
    assert not result.ok and any(f"row {rows[1].id}: content altered" in p for p in result.problems)
    session.rollback()
    _drop_guard(session)
    session.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": rows[0].id})
    result = audit.verify(session=session)
    assert not result.ok and any("link broken" in p for p in result.problems)
    session.rollback()


def _drop_guard(session: Session) -> None:
    """Simulate an attacker with database-owner rights removing the append-only guard (rolled back after)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
    else:
        session.execute(text("DROP TRIGGER audit_log_no_update"))
        session.execute(text("DROP TRIGGER audit_log_no_delete"))


def test_rate_limit_per_caller_number(client: TestClient, session: Session, app: object) -> None:
    from liandong.security.ratelimit import SlidingWindow

    app.state.rate_limits = SlidingWindow(limit=3, window_seconds=60)  # type: ignore[attr-defined]
    body = {"channel": "phone", "content": "骚扰测试", "caller_phone": "13700000000"}
    codes = [client.post("/api/v1/requests", json=body).status_code for _ in range(4)]
    assert codes[:3] == [201, 201, 201] and codes[3] == 429
