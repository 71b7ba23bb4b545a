"""Users, login with lockout, bearer tokens (stored hashed), revocation."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from liandong.core.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from liandong.core.timeutil import utcnow
from liandong.reference.models import Organisation
from liandong.security import audit
from liandong.security.enums import Role
from liandong.security.models import ApiToken, User
from liandong.security.passwords import hash_password, verify_password
from liandong.security.principal import Principal
from liandong.security.schemas import TokenCreate, UserCreate

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
SESSION_TTL = timedelta(hours=12)
TOKEN_PREFIX = "ld_"
# Spent on unknown usernames too, so timing does not reveal which usernames exist.
_DUMMY_HASH = hash_password("not-a-real-password-liandong")


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_user(*, session: Session, data: UserCreate) -> User:
    if session.scalar(select(User.id).where(User.username == data.username)) is not None:
        raise Conflict(f"user '{data.username}' already exists", details={"field": "username"})
    if data.role == Role.UNIT_STAFF and data.organisation_id is None:
        raise InvalidInput("organisation_id", "unit staff must belong to a handling unit")
    if data.organisation_id is not None and session.get(Organisation, data.organisation_id) is None:
        raise InvalidInput("organisation_id", f"unknown organisation {data.organisation_id}")
    user = User(
        username=data.username,
        display_name=data.display_name,
        password_hash=hash_password(data.password),
        role=data.role.value,
        organisation_id=data.organisation_id,
    )
    session.add(user)
    session.flush()
    return user


def _issue(
    *, session: Session, kind: str, name: str, role: str, scopes: list[str], user_id: int | None,
    organisation_id: int | None, ttl: timedelta,
) -> tuple[ApiToken, str]:  # fmt: skip
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        kind=kind, name=name, token_hash=token_hash(raw), prefix=raw[:10], role=role, scopes=scopes,
        user_id=user_id, organisation_id=organisation_id, expires_at=utcnow() + ttl,
    )  # fmt: skip
    session.add(token)
    session.flush()
    return token, raw


def login(*, session: Session, username: str, password: str, source_ip: str | None) -> tuple[ApiToken, str]:
    """A console session token; repeated failures lock the account for a while."""
    user = session.scalar(select(User).where(User.username == username))
    now = utcnow()
    if user is None or not user.active:
        verify_password(_DUMMY_HASH, password)
        audit.append(
            session=session, actor=f"anonymous:{username[:60]}", action="login.failed", source_ip=source_ip
        )
        raise Unauthenticated("wrong username or password")
    if user.locked_until is not None and user.locked_until > now:
        audit.append(session=session, actor=f"user:{username}", action="login.locked", source_ip=source_ip)
        raise Unauthenticated("account locked after repeated failures; try again later",
                              details={"locked_until": user.locked_until.isoformat()})  # fmt: skip
    if not verify_password(user.password_hash, password):
        user.failed_attempts += 1
        if user.failed_attempts >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_attempts = 0
        audit.append(session=session, actor=f"user:{username}", action="login.failed", source_ip=source_ip)
        raise Unauthenticated("wrong username or password")
    user.failed_attempts = 0
    user.locked_until = None
    audit.append(session=session, actor=f"user:{username}", action="login", source_ip=source_ip)
    return _issue(
        session=session, kind="session", name=f"console {username}", role=user.role, scopes=[],
        user_id=user.id, organisation_id=user.organisation_id, ttl=SESSION_TTL,
    )  # fmt: skip


def create_api_token(*, session: Session, data: TokenCreate) -> tuple[ApiToken, str]:
    if data.organisation_id is not None and session.get(Organisation, data.organisation_id) is None:
        raise InvalidInput("organisation_id", f"unknown organisation {data.organisation_id}")
    return _issue(
        session=session, kind="api", name=data.name, role=data.role.value, scopes=[s.value for s in data.scopes],
        user_id=None, organisation_id=data.organisation_id, ttl=timedelta(days=data.days),
    )  # fmt: skip


def revoke(*, session: Session, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("token", token_id)
    token.revoked_at = token.revoked_at or utcnow()
    session.flush()
    return token


def authenticate(*, session: Session, raw: str, source_ip: str | None) -> Principal:
    """The principal behind a bearer token, or Unauthenticated (unknown, expired or revoked)."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        raise Unauthenticated("invalid token")
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(raw)))
    now = utcnow()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        raise Unauthenticated("invalid, expired or revoked token")
    name = token.name
    if token.user_id is not None:
        user = session.get(User, token.user_id)
        if user is None or not user.active:
            raise Unauthenticated("user disabled")
        name = user.username
    return Principal(
        name=name, role=token.role, user_id=token.user_id, token_id=token.id,
        organisation_id=token.organisation_id, scopes=frozenset(token.scopes or []), source_ip=source_ip,
        expires_at=token.expires_at,
    )  # fmt: skip
