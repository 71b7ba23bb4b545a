"""The supervisor's view in one read: queue, seats, overdue and supervised items, KPIs, hotspots, linked items."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Integer, case, func, select
from sqlalchemy.orm import Session

from liandong.console.public import DONE, OPEN
from liandong.core.timeutil import as_utc, utcnow
from liandong.incident.models import PoliceIncident
from liandong.intake.enums import RequestStatus
from liandong.intake.models import ServiceRequest
from liandong.reference import divisions
from liandong.reference.models import Organisation
from liandong.security.enums import Role
from liandong.security.models import ApiToken, User
from liandong.workorder.models import WorkOrder

WINDOW = timedelta(hours=24)
SEAT_ROLES = (Role.SEAT_12345.value, Role.SEAT_110.value, Role.SUPERVISOR.value)
LIST_LIMIT = 50


class Kpis(BaseModel):
    """Last 24 hours. answer_rate: share of received requests already handled (registered, guided, closed)."""

    requests: int
    answer_rate: float | None
    response_minutes: float | None  # received -> 工单 accepted
    resolution_hours: float | None  # accepted -> completed
    satisfaction: float | None  # mean of visits, 1..5
    on_time_rate: float | None


class Overview(BaseModel):
    generated_at: datetime
    queue: dict[str, int]
    seats: list[dict[str, Any]]
    kpis: Kpis
    hourly: list[int]  # requests per hour, oldest first, 24 buckets
    districts: list[dict[str, Any]]
    overdue: list[dict[str, Any]]
    supervised: list[dict[str, Any]]
    linked: list[dict[str, Any]]


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def _queue(session: Session) -> dict[str, int]:
    waiting = dict(
        session.execute(
            select(ServiceRequest.received_by, func.count())
            .where(ServiceRequest.status == RequestStatus.RECEIVED.value)
            .group_by(ServiceRequest.received_by)
        ).all()
    )
    orders = dict(session.execute(select(WorkOrder.status, func.count()).group_by(WorkOrder.status)).all())
    incidents = session.scalar(
        select(func.count()).where(PoliceIncident.status.in_(("received", "dispatched", "on_scene")))
    )
    return {
        "waiting_12345": waiting.get("12345", 0),
        "waiting_110": waiting.get("110", 0),
        "to_dispatch": orders.get("accepted", 0),
        "returned": orders.get("returned", 0),
        "extension_requested": orders.get("extension_requested", 0),
        "open_orders": sum(orders.get(s.value, 0) for s in OPEN),
        "open_incidents": incidents or 0,
    }


def _seats(session: Session, now: datetime) -> list[dict[str, Any]]:
    """A seat is on duty while it holds an unexpired, unrevoked console session."""
    active = (
        select(ApiToken.user_id)
        .where(ApiToken.kind == "session", ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)
        .scalar_subquery()
    )
    rows = session.execute(
        select(User.display_name, User.role, User.id.in_(active))
        .where(User.role.in_(SEAT_ROLES), User.active.is_(True))
        .order_by(User.role, User.display_name)
        .limit(LIST_LIMIT)
    ).all()
    return [{"name": name, "role": role, "online": bool(online)} for name, role, online in rows]


def _kpis(session: Session, since: datetime) -> Kpis:
    received = session.execute(
        select(
            func.count(),
            func.sum(case((ServiceRequest.status != RequestStatus.RECEIVED.value, 1), else_=0)).cast(Integer),
        ).where(ServiceRequest.received_at >= since)
    ).one()
    pairs = session.execute(
        select(ServiceRequest.received_at, WorkOrder.accepted_at, WorkOrder.completed_at, WorkOrder.status,
               WorkOrder.satisfaction, WorkOrder.due_at, WorkOrder.extension_until)
        .join(WorkOrder, WorkOrder.request_id == ServiceRequest.id)
        .where(WorkOrder.accepted_at >= since)
    ).all()  # fmt: skip
    # Clamped at zero: imported or replayed history can carry an event time before the order's acceptance.
    response, resolution, satisfaction, on_time = [], [], [], []
    for got, accepted, completed, status, sat, due, extended in pairs:
        response.append(max((as_utc(accepted) - as_utc(got)).total_seconds(), 0) / 60)
        if completed is not None and status in DONE:
            resolution.append(max((as_utc(completed) - as_utc(accepted)).total_seconds(), 0) / 3600)
            on_time.append(1.0 if as_utc(completed) <= as_utc(extended or due) else 0.0)
        if sat is not None:
            satisfaction.append(float(sat))
    total, handled = received[0] or 0, received[1] or 0
    return Kpis(
        requests=total,
        answer_rate=round(handled / total, 3) if total else None,
        response_minutes=_mean(response),
        resolution_hours=_mean(resolution),
        satisfaction=_mean(satisfaction),
        on_time_rate=_mean(on_time),
    )


def _hourly(session: Session, now: datetime) -> list[int]:
    since = now - WINDOW
    buckets = [0] * 24
    for (at,) in session.execute(
        select(ServiceRequest.received_at).where(ServiceRequest.received_at >= since)
    ):
        index = int((as_utc(at) - since).total_seconds() // 3600)
        buckets[min(max(index, 0), 23)] += 1
    return buckets


def _districts(session: Session, city: str, since: datetime) -> list[dict[str, Any]]:
    """Requests per district (county-level adcode) of the home city, named from the packaged divisions."""
    district = func.substr(ServiceRequest.adcode, 1, 6)
    counts: dict[str | None, int] = dict(
        session.execute(
            select(district, func.count())
            .where(ServiceRequest.adcode.startswith(city), ServiceRequest.received_at >= since)
            .group_by(district)
        ).all()
    )
    names = {d.code: d.name for d in divisions.children(city) if not d.placeholder}
    codes = sorted(set(names) | {c for c in counts if c and len(c) == 6})
    return [{"adcode": c, "name": names.get(c, c), "count": counts.get(c, 0)} for c in codes]


def _order_row(order: WorkOrder, unit: str | None) -> dict[str, Any]:
    return {
        "id": order.id, "number": order.number, "status": order.status, "unit": unit,
        "due_at": as_utc(order.due_at).isoformat(), "supervision_count": order.supervision_count,
        "category": order.category,
    }  # fmt: skip


def _orders(session: Session, *conditions: Any) -> list[dict[str, Any]]:
    rows = session.execute(
        select(WorkOrder, Organisation.name)
        .outerjoin(Organisation, Organisation.id == WorkOrder.handling_unit_id)
        .where(*conditions)
        .order_by(WorkOrder.due_at, WorkOrder.id)
        .limit(LIST_LIMIT)
    ).all()
    return [_order_row(order, unit) for order, unit in rows]


def _linked(session: Session) -> list[dict[str, Any]]:
    """Requests that became both a 工单 and a 警单 (daily linkage), most recent first."""
    rows = session.execute(
        select(ServiceRequest.id, ServiceRequest.number, WorkOrder.id, WorkOrder.number, WorkOrder.status,
               PoliceIncident.id, PoliceIncident.number, PoliceIncident.status)
        .join(WorkOrder, WorkOrder.request_id == ServiceRequest.id)
        .join(PoliceIncident, PoliceIncident.request_id == ServiceRequest.id)
        .where(PoliceIncident.confidential.is_(False))
        .order_by(ServiceRequest.received_at.desc())
        .limit(LIST_LIMIT)
    ).all()  # fmt: skip
    keys = ("request_id", "request_number", "work_order_id", "work_order_number", "work_order_status",
            "incident_id", "incident_number", "incident_status")  # fmt: skip
    return [dict(zip(keys, row, strict=True)) for row in rows]


def build(*, session: Session, city_adcode: str) -> Overview:
    now = utcnow()
    since = now - WINDOW
    deadline = func.coalesce(WorkOrder.extension_until, WorkOrder.due_at)
    open_states = [s.value for s in OPEN]
    return Overview(
        generated_at=now,
        queue=_queue(session),
        seats=_seats(session, now),
        kpis=_kpis(session, since),
        hourly=_hourly(session, now),
        districts=_districts(session, city_adcode, since),
        overdue=_orders(session, WorkOrder.status.in_(open_states), deadline < now),
        supervised=_orders(session, WorkOrder.status.in_(open_states), WorkOrder.supervision_count > 0),
        linked=_linked(session),
    )
