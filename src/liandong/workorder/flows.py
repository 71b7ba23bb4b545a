"""Work order use cases; each commits once."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from liandong.intake import service as requests
from liandong.workorder import service
from liandong.workorder.models import WorkOrder
from liandong.workorder.schemas import WorkOrderCreate, WorkOrderUpdate


def register(*, session: Session, data: WorkOrderCreate, actor: str) -> WorkOrder:
    """受理: turn a request into a 工单, dispatching at once when a unit is given."""
    req = requests.require(session=session, request_id=data.request_id)
    requests.transition(session=session, req=req, action="register", actor=actor)
    order = service.create(session=session, data=data, request=req, actor=actor)
    service.dispatch_to(session=session, order=order, unit_id=data.handling_unit_id, actor=actor)
    session.commit()
    return order


def act(*, session: Session, order_id: int, action: str, body: Any, actor: str) -> WorkOrder:
    order = service.require(session=session, order_id=order_id)
    service.apply_action(session=session, order=order, action=action, body=body, actor=actor)
    session.commit()
    return order


def update(*, session: Session, order_id: int, data: WorkOrderUpdate, actor: str) -> WorkOrder:
    order = service.require(session=session, order_id=order_id)
    service.update(session=session, order=order, data=data, actor=actor)
    session.commit()
    return order
