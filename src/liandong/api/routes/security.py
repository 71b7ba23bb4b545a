"""Login, tokens, users and the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request, Response, status

from liandong.api.auth import SESSION_COOKIE, PrincipalDep, can, client_ip
from liandong.api.deps import SessionDep
from liandong.api.routing import Router
from liandong.core.ids import IdPath
from liandong.security import audit, flows
from liandong.security.enums import Perm
from liandong.security.principal import Principal
from liandong.security.schemas import AuditRead, LoginBody, TokenCreate, TokenIssued, UserCreate, UserRead

router = Router(prefix="/api/v1", tags=["security"])

Admin = Annotated[Principal, can(Perm.USER_ADMIN)]
Auditor = Annotated[Principal, can(Perm.AUDIT_READ)]


@router.post("/auth/login", response_model=TokenIssued)
def login(body: LoginBody, session: SessionDep, request: Request, response: Response) -> TokenIssued:
    """Public. Returns a session token (also set as an HttpOnly cookie for the console)."""
    request.app.state.login_limits.hit(f"login:{client_ip(request)}")
    token, raw = flows.login(session=session, username=body.username, password=body.password,
                             source_ip=client_ip(request))  # fmt: skip
    response.set_cookie(SESSION_COOKIE, raw, httponly=True, samesite="strict", max_age=12 * 3600)
    return TokenIssued(id=token.id, token=raw, expires_at=token.expires_at, role=token.role)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(session: SessionDep, principal: PrincipalDep, request: Request, response: Response) -> Response:
    if principal.token_id is not None:
        flows.logout(session=session, token_id=principal.token_id, actor=principal.actor)
        request.app.state.principals.clear()
    response.delete_cookie(SESSION_COOKIE)
    response.status_code = status.HTTP_204_NO_CONTENT
    return response


@router.get("/auth/me")
def me(principal: PrincipalDep) -> dict[str, Any]:
    return {
        "name": principal.name,
        "role": principal.role,
        "organisation_id": principal.organisation_id,
        "permissions": sorted(p.value for p in Perm if principal.can(p)),
    }


@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserRead)
def create_user(data: UserCreate, session: SessionDep, _: Admin) -> UserRead:
    return UserRead.model_validate(flows.create_user(session=session, data=data))


@router.post("/tokens", status_code=status.HTTP_201_CREATED, response_model=TokenIssued)
def create_token(data: TokenCreate, session: SessionDep, principal: Admin) -> TokenIssued:
    token, raw = flows.create_api_token(session=session, data=data, actor=principal.actor)
    return TokenIssued(id=token.id, token=raw, expires_at=token.expires_at, role=token.role)


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: IdPath, session: SessionDep, principal: Admin, request: Request) -> Response:
    flows.revoke_token(session=session, token_id=token_id, actor=principal.actor)
    request.app.state.principals.clear()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/audit", response_model=list[AuditRead])
def audit_log(
    session: SessionDep, _: Auditor, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[AuditRead]:
    return [AuditRead.model_validate(e) for e in audit.recent(session=session, limit=limit)]


@router.post("/audit/verify")
def audit_verify(session: SessionDep, _: Auditor) -> dict[str, Any]:
    result = flows.verify_audit(session=session)
    return {
        "ok": result.ok, "checked": result.checked, "unsealed": result.unsealed, "problems": result.problems[:100],
    }  # fmt: skip
