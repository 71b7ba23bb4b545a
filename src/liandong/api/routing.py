"""Routers whose plain `def` endpoints cost one thread-pool hop per call.

FastAPI runs a `def` endpoint in the thread pool and then, in a second hop, validates its response there too. Each
hop is a queue put, a thread wake-up and an event-loop wake-up under the GIL; on the intake path they cost more CPU
than the work. Here a `def` endpoint is wrapped in a coroutine that runs the endpoint (database work included) in
the pool once; the response model is then checked on the event loop, which is CPU work only: endpoints return read
models, not ORM objects that could still load.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool


def _one_hop(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)  # FastAPI reads the parameters through __wrapped__
    async def run(*args: Any, **kwargs: Any) -> Any:
        return await run_in_threadpool(endpoint, *args, **kwargs)

    return run


class OneHopRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint) and inspect.isfunction(endpoint):
            endpoint = _one_hop(endpoint)
        super().__init__(path, endpoint, **kwargs)


class Router(APIRouter):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("route_class", OneHopRoute)
        super().__init__(**kwargs)
