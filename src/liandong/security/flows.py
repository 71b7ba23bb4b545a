"""Security use cases; each commits once (a failed login commits its lockout counter and audit row)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from liandong.core.errors import Unauthenticated
from liandong.security import audit, service
from liandong.security.models import ApiToken, User
from liandong.security.schemas import TokenCreate, UserCreate


def login(*, session: Session, username: str, password: str, source_ip: str | None) -> tuple[ApiToken, str]:
    try:
        token, raw = service.login(session=session, username=username, password=password, source_ip=source_ip)
    except Unauthenticated:
        session.commit()
        raise
    session.commit()
    return token, raw


def logout(*, session: Session, token_id: int, actor: str) -> None:
    service.revoke(session=session, token_id=token_id)
    audit.append(session=session, actor=actor, action="logout")
    session.commit()


def create_user(*, session: Session, data: UserCreate) -> User:
    user = service.create_user(session=session, data=data)
    session.commit()
    return user


def create_api_token(*, session: Session, data: TokenCreate, actor: str) -> tuple[ApiToken, str]:
    token, raw = service.create_api_token(session=session, data=data)
    audit.append(session=session, actor=actor, action="token.create", entity_type="api_tokens", entity_id=token.id,
                 detail={"name": data.name, "role": data.role.value})  # fmt: skip
    session.commit()
    return token, raw


def revoke_token(*, session: Session, token_id: int, actor: str) -> ApiToken:
    token = service.revoke(session=session, token_id=token_id)
    audit.append(
        session=session, actor=actor, action="token.revoke", entity_type="api_tokens", entity_id=token_id
    )
    session.commit()
    return token


def record_read(
    *, session: Session, actor: str, source_ip: str | None, entity_type: str, entity_id: int
) -> None:
    """A read of personal data is itself a recorded event (可追溯)."""
    audit.append(
        session=session,
        actor=actor,
        action=f"{entity_type.rstrip('s')}.read",
        entity_type=entity_type,
        entity_id=entity_id,
        source_ip=source_ip,
    )
    session.commit()


def record_unmask(
    *, session: Session, actor: str, source_ip: str | None, entity_type: str, entity_id: int, reason: str
) -> None:
    """Showing masked personal data in full needs a reason, kept in the audit log."""
    audit.append(
        session=session,
        actor=actor,
        action="pii.unmask",
        entity_type=entity_type,
        entity_id=entity_id,
        detail={"reason": reason},
        source_ip=source_ip,
    )
    session.commit()


def seal_audit(*, session: Session) -> int:
    """Chain the audit rows committed since the last seal (the worker's periodic job)."""
    count = audit.seal(session=session)
    session.commit()
    return count


def verify_audit(*, session: Session) -> audit.VerifyResult:
    """Seal what is committed, then recompute the whole chain."""
    seal_audit(session=session)
    return audit.verify(session=session)
