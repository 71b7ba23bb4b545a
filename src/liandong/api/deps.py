"""Request-scoped dependencies: database session, actor, pagination."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session


def get_session(request: Request) -> Iterator[Session]:
    session = request.app.state.session_factory()
    try:
        yield session
    finally:
        # A flow commits on success; anything left (a refused action) is rolled back here.
        session.rollback()
        session.close()


def get_actor(x_actor: Annotated[str | None, Header(max_length=120)] = None) -> str:
    return x_actor or "api"


class Paging(BaseModel):
    limit: int
    offset: int


def get_paging(
    limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0
) -> Paging:
    return Paging(limit=limit, offset=offset)


SessionDep = Annotated[Session, Depends(get_session)]
ActorDep = Annotated[str, Depends(get_actor)]
PagingDep = Annotated[Paging, Depends(get_paging)]
