"""Console pages (server-rendered shells + ES modules), its static assets, and its two JSON reads."""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path
from string import Template
from typing import Annotated

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from liandong import __version__
from liandong.api.auth import can
from liandong.api.deps import SessionDep
from liandong.api.routing import Router
from liandong.console import overview, public
from liandong.core.errors import NotFound
from liandong.security.enums import Perm
from liandong.security.principal import Principal

HERE = Path(__file__).parent
PAGES = {
    "login": "登录",
    "seat": "坐席工作台",
    "unit": "承办单位工作台",
    "supervisor": "班长监控",
    "public": "办理情况公开",
}
# Everything comes from this application: the policy forbids any other origin, so the browser refuses CDNs too.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; media-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)

router = Router(tags=["console"])
router.mount("/console/static", StaticFiles(directory=HERE / "static"), name="console-static")


@cache
def _shell() -> Template:
    return Template((HERE / "templates" / "shell.html").read_text(encoding="utf-8"))


def page(name: str, request: Request) -> HTMLResponse:
    city = html.escape(request.app.state.settings.city_adcode)
    text = _shell().substitute(page=name, title=PAGES[name], version=__version__, city=city)
    headers = {
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }
    return HTMLResponse(text, headers=headers)


@router.get("/console", include_in_schema=False)
def console_home() -> RedirectResponse:
    return RedirectResponse("/console/login")


@router.get("/console/orders/{order_id}", include_in_schema=False)
def order_page(order_id: int, request: Request) -> HTMLResponse:
    """A unit's order opened by URL; the script asks the API, which answers 404 for another unit's order."""
    return page("unit", request)


@router.get("/console/{name}", include_in_schema=False)
def console_page(name: str, request: Request) -> HTMLResponse:
    if name not in PAGES or name == "public":
        raise NotFound("page", "console")  # not echoed: the path may be anything a visitor typed
    return page(name, request)


@router.get("/public", include_in_schema=False)
def public_page(request: Request) -> HTMLResponse:
    return page("public", request)


@router.get("/public/api/results", response_model=public.PublicResults)
def public_results(session: SessionDep, request: Request) -> public.PublicResults:
    """Public. Handling results by unit: aggregate counts only, no request content or personal data."""
    request.app.state.rate_limits.hit(f"public:{request.client.host if request.client else '-'}")
    return public.results(session=session)


@router.get("/console/api/overview", response_model=overview.Overview)
def supervisor_overview(
    session: SessionDep, request: Request, _: Annotated[Principal, can(Perm.SUPERVISE)]
) -> overview.Overview:
    return overview.build(session=session, city_adcode=request.app.state.settings.city_adcode)
