"""Object-level boundaries: which records a principal may see or change."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from liandong.core.errors import NotFound, PermissionDenied
from liandong.incident.models import PoliceIncident
from liandong.intake.models import ServiceRequest
from liandong.linkage.models import HotlineNotification
from liandong.security.enums import Perm
from liandong.security.policy import CENTRE_ACTIONS, UNIT_ACTIONS
from liandong.security.principal import Principal
from liandong.workorder.models import WorkOrder


def work_orders_visible(stmt: Select[Any], principal: Principal) -> Select[Any]:
    if principal.is_unit:
        return stmt.where(WorkOrder.handling_unit_id == principal.organisation_id)
    return stmt


def check_work_order(principal: Principal, order: WorkOrder) -> None:
    """A unit sees only its own orders; others' answer 404 so ids reveal nothing."""
    if principal.is_unit and order.handling_unit_id != principal.organisation_id:
        raise NotFound("work_order", order.id)


def check_work_order_action(principal: Principal, order: WorkOrder, action: str) -> None:
    check_work_order(principal, order)
    if principal.can(Perm.WORK_ORDER_WRITE) and action in CENTRE_ACTIONS:
        return
    if principal.can(Perm.WORK_ORDER_HANDLE) and action in UNIT_ACTIONS:
        return
    raise PermissionDenied(f"role '{principal.role}' may not '{action}' a work order")


def check_request(session: Session, principal: Principal, req: ServiceRequest) -> None:
    if principal.is_unit:
        mine = session.scalar(
            select(
                exists().where(
                    WorkOrder.request_id == req.id, WorkOrder.handling_unit_id == principal.organisation_id
                )
            )
        )
        if not mine:
            raise NotFound("request", req.id)


def incidents_visible(stmt: Select[Any], principal: Principal) -> Select[Any]:
    if not principal.can(Perm.INCIDENT_READ_CONFIDENTIAL):
        return stmt.where(PoliceIncident.confidential.is_(False))
    return stmt


def check_notification(principal: Principal, note: HotlineNotification) -> None:
    """A plan's notice is acknowledged by the notified hotline itself, or by a supervisor."""
    if not principal.can(Perm.SUPERVISE) and principal.organisation_id != note.organisation_id:
        raise PermissionDenied("only the notified hotline or a supervisor acknowledges this notice")


def check_incident(principal: Principal, incident: PoliceIncident) -> None:
    """Confidential (是否保密) incidents do not exist for roles outside the police."""
    if incident.confidential and not principal.can(Perm.INCIDENT_READ_CONFIDENTIAL):
        raise NotFound("incident", incident.id)
