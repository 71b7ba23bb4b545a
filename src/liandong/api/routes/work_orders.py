"""Work order (工单) endpoints: CRUD and one endpoint per lifecycle action."""

from __future__ import annotations

from typing import Annotated

from fastapi import status
from pydantic import BaseModel
from sqlalchemy.orm import Session

from liandong.api.actions import add_action_routes
from liandong.api.auth import can
from liandong.api.deps import PagingDep, SessionDep
from liandong.api.pages import Page
from liandong.api.routing import Router
from liandong.core.ids import IdPath, IdQuery
from liandong.events import service as events
from liandong.events.schemas import EventRead
from liandong.security import scopes
from liandong.security.enums import Perm
from liandong.security.principal import Principal
from liandong.workorder import flows, service
from liandong.workorder.enums import WorkOrderStatus
from liandong.workorder.lifecycle import WORK_ORDER_LIFECYCLE
from liandong.workorder.schemas import ACTION_BODIES, WorkOrderCreate, WorkOrderRead, WorkOrderUpdate

router = Router(prefix="/api/v1/work-orders", tags=["work orders 工单"])

Reader = Annotated[Principal, can(Perm.WORK_ORDER_READ)]
Writer = Annotated[Principal, can(Perm.WORK_ORDER_WRITE)]
Authenticated = Annotated[Principal, can()]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=WorkOrderRead)
def create_work_order(data: WorkOrderCreate, session: SessionDep, principal: Writer) -> WorkOrderRead:
    return service.to_read(flows.register(session=session, data=data, actor=principal.actor))


@router.get("", response_model=Page[WorkOrderRead])
def list_work_orders(
    session: SessionDep,
    paging: PagingDep,
    principal: Reader,
    status: WorkOrderStatus | None = None,
    handling_unit_id: IdQuery = None,
    category: str | None = None,
    adcode: str | None = None,
    overdue: bool | None = None,
    request_id: IdQuery = None,
) -> Page[WorkOrderRead]:
    rows, total = service.list_orders(
        session=session, status=status, handling_unit_id=handling_unit_id, category=category, adcode=adcode,
        overdue=overdue, request_id=request_id, limit=paging.limit, offset=paging.offset,
        visible=lambda stmt: scopes.work_orders_visible(stmt, principal),
    )  # fmt: skip
    return Page(
        items=[service.to_read(o) for o in rows], total=total, limit=paging.limit, offset=paging.offset
    )


@router.get("/{order_id}", response_model=WorkOrderRead)
def get_work_order(order_id: IdPath, session: SessionDep, principal: Reader) -> WorkOrderRead:
    order = service.require(session=session, order_id=order_id)
    scopes.check_work_order(principal, order)
    return service.to_read(order)


@router.patch("/{order_id}", response_model=WorkOrderRead)
def update_work_order(
    order_id: IdPath, data: WorkOrderUpdate, session: SessionDep, principal: Writer
) -> WorkOrderRead:
    return service.to_read(flows.update(session=session, order_id=order_id, data=data, actor=principal.actor))


@router.get("/{order_id}/events", response_model=list[EventRead])
def work_order_events(order_id: IdPath, session: SessionDep, principal: Reader) -> list[EventRead]:
    scopes.check_work_order(principal, service.require(session=session, order_id=order_id))
    rows = events.history(session=session, entity_type="work_order", entity_id=order_id)
    return [EventRead.model_validate(e) for e in rows]


def _act(
    session: Session, principal: Principal, order_id: int, action: str, body: BaseModel
) -> WorkOrderRead:
    order = service.require(session=session, order_id=order_id)
    scopes.check_work_order_action(principal, order, action)
    return service.to_read(
        flows.act(session=session, order_id=order_id, action=action, body=body, actor=principal.actor)
    )


add_action_routes(
    router, lifecycle=WORK_ORDER_LIFECYCLE, bodies=ACTION_BODIES, id_name="order_id", principal=Authenticated,
    perform=_act, response_model=WorkOrderRead, noun="work_order",
)  # fmt: skip
