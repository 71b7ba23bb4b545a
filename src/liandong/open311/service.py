"""Open311 GeoReport v2 mapping onto requests and work orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from liandong.intake.models import ServiceRequest
from liandong.reference.models import Organisation
from liandong.workorder.enums import WorkOrderStatus
from liandong.workorder.models import WorkOrder

CLOSED_ORDER_STATES = {
    WorkOrderStatus.COMPLETED.value,
    WorkOrderStatus.VISITED.value,
    WorkOrderStatus.ARCHIVED.value,
    WorkOrderStatus.CANCELLED.value,
}


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    group: str
    category: str | None
    request_type: str
    keywords: tuple[str, ...]

    def as_open311(self) -> dict[str, Any]:
        return {
            "service_code": self.code,
            "service_name": self.name,
            "description": self.name,
            "metadata": False,
            "type": "realtime",
            "keywords": ",".join(self.keywords),
            "group": self.group,
        }


@lru_cache
def services() -> dict[str, Service]:
    text = resources.files("liandong.open311").joinpath("services.yaml").read_text("utf-8")
    rows = yaml.safe_load(text)
    return {
        str(r["code"]): Service(
            code=str(r["code"]),
            name=r["name"],
            group=r["group"],
            category=r.get("category"),
            request_type=r["request_type"],
            keywords=tuple(r.get("keywords") or ()),
        )
        for r in rows
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def to_open311(*, session: Session, req: ServiceRequest) -> dict[str, Any]:
    """A request as an Open311 service request; personal data is never included."""
    order = session.scalar(
        select(WorkOrder).where(WorkOrder.request_id == req.id).order_by(WorkOrder.id.desc()).limit(1)
    )
    closed = req.status in ("guided", "closed") or (order is not None and order.status in CLOSED_ORDER_STATES)
    agency = None
    if order is not None and order.handling_unit_id is not None:
        unit = session.get(Organisation, order.handling_unit_id)
        agency = unit.name if unit else None
    service = services().get(req.service_code or "")
    return {
        "service_request_id": req.number,
        "status": "closed" if closed else "open",
        "status_notes": (order.handle_opinion if order else None) or req.resolution_note,
        "service_name": service.name if service else None,
        "service_code": req.service_code,
        "description": req.content,
        "agency_responsible": agency,
        "service_notice": None,
        "requested_datetime": _iso(req.received_at),
        "updated_datetime": _iso(order.updated_at if order else req.updated_at),
        "expected_datetime": _iso(order.due_at) if order else None,
        "address": req.location_text,
        "address_id": None,
        "zipcode": None,
        "lat": req.latitude,
        "long": req.longitude,
        "media_url": None,
    }


def find(*, session: Session, number: str) -> ServiceRequest | None:
    return session.scalar(select(ServiceRequest).where(ServiceRequest.number == number))


def search(
    *,
    session: Session,
    numbers: list[str] | None,
    service_code: str | None,
    start: datetime | None,
    end: datetime | None,
    limit: int = 1000,
) -> list[ServiceRequest]:
    stmt = select(ServiceRequest).where(ServiceRequest.service_code.is_not(None))
    if numbers:
        stmt = stmt.where(ServiceRequest.number.in_(numbers))
    if service_code:
        stmt = stmt.where(ServiceRequest.service_code == service_code)
    if start:
        stmt = stmt.where(ServiceRequest.received_at >= start)
    if end:
        stmt = stmt.where(ServiceRequest.received_at <= end)
    return list(session.scalars(stmt.order_by(ServiceRequest.received_at.desc()).limit(limit)))
