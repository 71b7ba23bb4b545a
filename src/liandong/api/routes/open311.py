"""Open311 GeoReport v2 at /open311/v2/. Errors here use Open311's own format, as 311 apps expect it:
a JSON array of {"code": <http status>, "description": ...} (docs/api.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from liandong.api.auth import client_ip
from liandong.api.deps import SessionDep
from liandong.api.routing import Router
from liandong.core.errors import DomainError
from liandong.intake import flows
from liandong.intake.enums import Channel
from liandong.intake.schemas import RequestCreate
from liandong.open311 import service
from liandong.security import audit, pii
from liandong.security import service as security
from liandong.security.enums import Perm
from liandong.security.principal import Principal

router = Router(prefix="/open311/v2", tags=["Open311 GeoReport v2"])

FIELDS = {
    "api_key", "service_code", "lat", "long", "address_string", "address_id", "email", "device_id",
    "account_id", "first_name", "last_name", "phone", "description", "media_url", "jurisdiction_id",
}  # fmt: skip


def _error(status: int, description: str) -> JSONResponse:
    return JSONResponse([{"code": status, "description": description}], status_code=status)


@router.get("/services.json")
def list_services() -> list[dict[str, Any]]:
    return [s.as_open311() for s in service.services().values()]


@router.get("/services/{service_code}.json", response_model=None)
def service_definition(service_code: str) -> JSONResponse | dict[str, Any]:
    if service_code not in service.services():
        return _error(404, f"service_code {service_code} not found")
    return {"service_code": service_code, "attributes": []}


async def _read_form(request: Request) -> dict[str, str] | JSONResponse:
    content_type = request.headers.get("content-type", "")
    try:
        if content_type.startswith("application/json"):
            raw = await request.json()
            if not isinstance(raw, dict):
                return _error(400, "the body must be a JSON object")
            return {k: str(v) for k, v in raw.items() if v is not None and not isinstance(v, dict | list)}
        form = await request.form()
    except ValueError:
        return _error(400, "malformed request body")
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _api_key_principal(session: Session, api_key: str, request: Request) -> Principal | JSONResponse:
    """Open311 submissions carry an API key: a token with the open311:submit scope."""
    if not api_key:
        return _error(403, "api_key is required")
    try:
        principal = security.authenticate(session=session, raw=api_key, source_ip=client_ip(request))
    except DomainError:
        return _error(403, "api_key is invalid, expired or revoked")
    if not principal.can(Perm.OPEN311_SUBMIT):
        return _error(403, "api_key may not submit requests")
    audit.bind(session, actor=principal.actor, source_ip=principal.source_ip)
    return principal


@router.post("/requests.json", status_code=201, response_model=None)
async def create_request(request: Request, session: SessionDep) -> JSONResponse:
    form = await _read_form(request)
    if isinstance(form, JSONResponse):
        return form
    principal = _api_key_principal(session, form.get("api_key", ""), request)
    if isinstance(principal, JSONResponse):
        return principal
    try:
        request.app.state.rate_limits.hit(f"token:{principal.token_id}")
        if form.get("phone"):
            request.app.state.rate_limits.hit(f"caller:{pii.match_hash(form['phone'])}")
    except DomainError as exc:
        return _error(429, exc.message)
    code = form.get("service_code", "").strip()
    if not code:
        return _error(400, "service_code is required")
    svc = service.services().get(code)
    if svc is None:
        return _error(404, f"service_code {code} not found")
    description = form.get("description", "").strip()
    if not description:
        return _error(400, "description is required")
    if ("lat" in form) != ("long" in form):
        return _error(400, "lat and long must be given together")
    name = " ".join(x for x in (form.get("last_name"), form.get("first_name")) if x) or None
    try:
        data = RequestCreate(
            channel=Channel.OPEN311,
            content=description,
            service_code=code,
            caller_name=name,
            caller_phone=form.get("phone") or None,
            location_text=form.get("address_string") or None,
            latitude=float(form["lat"]) if "lat" in form else None,
            longitude=float(form["long"]) if "long" in form else None,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "request"
        return _error(400, f"{field}: {first['msg']}")
    except ValueError:
        return _error(400, "lat and long must be numbers")
    try:
        req = flows.receive(session=session, data=data, actor=principal.actor)
    except DomainError as exc:
        return _error(400, exc.message)
    notice = f"已受理, 诉求编号 {req.number}"
    return JSONResponse(
        [{"service_request_id": req.number, "service_notice": notice, "account_id": None}], status_code=201
    )


@router.get("/requests.json", response_model=None)
def list_requests(
    session: SessionDep,
    service_request_id: Annotated[str | None, Query(max_length=2000)] = None,
    service_code: Annotated[str | None, Query(max_length=40)] = None,
    start_date: datetime | None = None,
    end_date: datetime | None = None,
    status: Annotated[str | None, Query(pattern="^(open|closed)(,(open|closed))?$")] = None,
) -> list[dict[str, Any]]:
    numbers = [n.strip() for n in service_request_id.split(",") if n.strip()] if service_request_id else None
    rows = service.search(
        session=session, numbers=numbers, service_code=service_code, start=start_date, end=end_date
    )
    items = [service.to_open311(session=session, req=r) for r in rows]
    if status:
        wanted = set(status.split(","))
        items = [i for i in items if i["status"] in wanted]
    return items


@router.get("/requests/{service_request_id}.json", response_model=None)
def get_request(service_request_id: str, session: SessionDep) -> JSONResponse | list[dict[str, Any]]:
    req = service.find(session=session, number=service_request_id)
    if req is None or req.service_code is None:
        return _error(404, f"service_request_id {service_request_id} not found")
    return [service.to_open311(session=session, req=req)]
