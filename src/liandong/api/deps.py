"""Request-scoped dependencies: database session, actor, pagination.

They are `async def` on purpose: FastAPI runs a plain `def` dependency in the thread pool, and each such hop (a
queue put, a thread wake-up and a wake-up of the event loop, all under the GIL) cost more CPU than the work they
did. None of them does I/O on the event loop; the one that may (returning a connection with an open transaction)
hands that to the thread pool.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool


def _discard(session: Session) -> None:
    session.rollback()
    session.close()


async def get_session(request: Request) -> AsyncIterator[Session]:
    # Creating a session does no I/O: it takes a connection on first use, in the endpoint's thread.
    session = request.app.state.session_factory()
    try:
        yield session
    finally:
        # A flow commits on success; anything left (a refused action, a read) is rolled back here.
        if session.in_transaction():
            await run_in_threadpool(_discard, session)
        else:
            session.close()


async def get_actor(x_actor: Annotated[str | None, Header(max_length=120)] = None) -> str:
    return x_actor or "api"


class Paging(BaseModel):
    limit: int
    offset: int


async def get_paging(
    limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0
) -> Paging:
    return Paging(limit=limit, offset=offset)


SessionDep = Annotated[Session, Depends(get_session)]
ActorDep = Annotated[str, Depends(get_actor)]
PagingDep = Annotated[Paging, Depends(get_paging)]
