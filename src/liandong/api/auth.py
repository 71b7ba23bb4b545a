"""Authentication and authorisation dependencies: every endpoint requires a principal unless marked public."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from liandong.api.deps import SessionDep
from liandong.core.errors import PermissionDenied, Unauthenticated
from liandong.security import audit
from liandong.security import service as security
from liandong.security.enums import Perm
from liandong.security.principal import Principal

SESSION_COOKIE = "liandong_session"


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(SESSION_COOKIE)


async def get_principal(request: Request, session: SessionDep) -> Principal:
    raw = bearer_token(request)
    if not raw:
        raise Unauthenticated("authentication required: send 'Authorization: Bearer <token>'")
    cache = request.app.state.principals
    principal = cache.get(raw, source_ip=client_ip(request))
    if principal is None:
        principal = await run_in_threadpool(
            lambda: security.authenticate(session=session, raw=raw, source_ip=client_ip(request))
        )
        cache.put(raw, principal)
    audit.bind(session, actor=principal.actor, source_ip=principal.source_ip)
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(*perms: Perm) -> Callable[[Principal], Awaitable[Principal]]:
    async def check(principal: PrincipalDep) -> Principal:
        missing = [p for p in perms if not principal.can(p)]
        if missing:
            raise PermissionDenied(
                f"role '{principal.role}' may not do this", details={"missing": [p.value for p in missing]}
            )
        return principal

    return check


def can(*perms: Perm) -> object:
    """`principal: Annotated[Principal, can(Perm.X)]` requires the permissions and yields the principal."""
    return Depends(require(*perms))
