"""Supervision (督办) endpoints and tracking of linked items (对接事项跟踪督办)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import status

from liandong.api.auth import can
from liandong.api.deps import PagingDep, SessionDep
from liandong.api.routing import Router
from liandong.core.errors import NotFound
from liandong.core.ids import IdPath, IdQuery
from liandong.core.timeutil import utcnow
from liandong.linkage import transfers
from liandong.security.enums import Perm
from liandong.security.principal import Principal
from liandong.supervision import flows, service
from liandong.supervision.schemas import SupervisionCreate, SupervisionRead, SupervisionResponse, SweepResult

router = Router(prefix="/api/v1/supervision", tags=["supervision 督办"])

Supervisor = Annotated[Principal, can(Perm.SUPERVISE)]
Reader = Annotated[Principal, can(Perm.WORK_ORDER_READ)]


@router.get("", response_model=list[SupervisionRead])
def list_supervision(
    session: SessionDep,
    paging: PagingDep,
    principal: Reader,
    status: str | None = None,
    work_order_id: IdQuery = None,
) -> list[SupervisionRead]:
    unit = principal.organisation_id if principal.is_unit else None
    rows = service.list_orders(
        session=session,
        unit_id=unit,
        status=status,
        work_order_id=work_order_id,
        limit=paging.limit,
        offset=paging.offset,
    )
    return [SupervisionRead.model_validate(r) for r in rows]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SupervisionRead)
def issue_supervision(data: SupervisionCreate, session: SessionDep, principal: Supervisor) -> SupervisionRead:
    row = flows.issue(
        session=session,
        work_order_id=data.work_order_id,
        reason=data.reason,
        respond_within_hours=data.respond_within_hours,
        actor=principal.actor,
    )
    return SupervisionRead.model_validate(row)


@router.post("/{supervision_id}/respond", response_model=SupervisionRead)
def respond(
    supervision_id: IdPath,
    data: SupervisionResponse,
    session: SessionDep,
    principal: Annotated[Principal, can(Perm.WORK_ORDER_HANDLE)],
) -> SupervisionRead:
    """The unit answers a supervision order."""
    row = service.require(session=session, supervision_id=supervision_id)
    if principal.is_unit and row.unit_id != principal.organisation_id:
        raise NotFound("supervision", supervision_id)
    return SupervisionRead.model_validate(
        flows.respond(
            session=session, supervision_id=supervision_id, response=data.response, actor=principal.actor
        )
    )


@router.post("/sweep", response_model=SweepResult)
def sweep_now(session: SessionDep, principal: Supervisor) -> SweepResult:
    """Run the SLA sweep now (the worker runs it every minute)."""
    return flows.sweep(session=session, actor=principal.actor)


@router.get("/tracking")
def tracking(session: SessionDep, _: Supervisor, paging: PagingDep) -> list[dict[str, Any]]:
    """Every transfer between the platforms still open on either side, oldest first, with overdue flags."""
    now = utcnow()
    rows = transfers.still_open(session=session, limit=paging.limit, offset=paging.offset)
    return [
        {
            "transfer_id": t.id,
            "request_id": t.request_id,
            "from": t.from_platform,
            "to": t.to_platform,
            "status": t.status,
            "emergency": t.emergency,
            "respond_by": t.respond_by,
            "response_overdue": t.status == "pending" and t.respond_by < now,
            "work_order_id": t.work_order_id,
            "incident_id": t.incident_id,
        }
        for t in rows
    ]
