"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session, sessionmaker

from liandong import __version__
from liandong.api import errors, openapi
from liandong.api.limits import BodySizeLimit
from liandong.api.routes import (
    analytics,
    bot,
    calls,
    exchange,
    health,
    incidents,
    knowledge,
    linkage,
    open311,
    reference,
    requests,
    schemas,
    security,
    supervision,
    triage,
    work_orders,
)
from liandong.config import Settings, get_settings
from liandong.console import routes as console
from liandong.database import create_db_engine, make_session_factory
from liandong.security import audit
from liandong.security.ratelimit import SlidingWindow
from liandong.security.tokencache import PrincipalCache


def create_app(
    settings: Settings | None = None, *, session_factory: sessionmaker[Session] | None = None
) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="liandong 联动",
        version=__version__,
        description="12345 government-service hotline and 110 police desk linkage (国办发〔2022〕12号).",
    )
    app.state.settings = settings
    app.state.session_factory = session_factory or make_session_factory(
        create_db_engine(settings.database_url)
    )
    app.state.rate_limits = SlidingWindow(limit=settings.intake_rate_per_minute, window_seconds=60)
    app.state.login_limits = SlidingWindow(limit=30, window_seconds=60)
    app.state.principals = PrincipalCache(ttl=settings.auth_cache_seconds)
    audit.install()
    errors.install(app)
    openapi.install(app)
    for router in (
        health.router,
        requests.router,
        work_orders.router,
        incidents.router,
        reference.router,
        schemas.router,
        open311.router,
        security.router,
        calls.router,
        linkage.router,
        supervision.router,
        triage.router,
        console.router,
        analytics.router,
        exchange.router,
        knowledge.router,
        bot.router,
    ):
        app.include_router(router)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/docs")

    # Call recordings are larger than any JSON body; multipart framing adds a little.
    recording = {r"/api/v1/calls/\d+/recording": settings.max_recording_bytes + 65_536}
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes, path_limits=recording)
    return app
