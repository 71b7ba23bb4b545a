"""督办: reminders before the deadline, overdue escalation once per deadline, answers, tracking."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import make_unit, make_work_order
from tests.linkage.helpers import counts, new_request, post

from liandong.core.timeutil import utcnow
from liandong.events.models import Event
from liandong.linkage import jobs  # noqa: F401 - registers the handlers
from liandong.outbox import service as outbox
from liandong.outbox import worker
from liandong.supervision import flows as supervision
from liandong.supervision.models import SupervisionOrder
from liandong.workorder.models import WorkOrder

AsRole = Callable[..., TestClient]


def test_reminder_then_overdue_once_per_deadline(session: Session) -> None:
    unit = make_unit(session)
    order = make_work_order(session, unit=unit, urgency="urgent")  # 2 hours
    assert supervision.sweep(session=session, now=utcnow()).reminders == 0
    almost = utcnow() + timedelta(minutes=100)
    first = supervision.sweep(session=session, now=almost)
    assert (first.reminders, first.overdue) == (1, 0)
    assert supervision.sweep(session=session, now=almost + timedelta(minutes=1)).reminders == 0
    late = utcnow() + timedelta(hours=3)
    assert supervision.sweep(session=session, now=late).overdue == 1
    assert supervision.sweep(session=session, now=late + timedelta(hours=1)).overdue == 0
    kinds = session.scalars(
        select(SupervisionOrder.kind).where(SupervisionOrder.work_order_id == order.id)
    ).all()
    assert sorted(kinds) == ["overdue", "reminder"]
    refreshed = session.get(WorkOrder, order.id, populate_existing=True)
    assert refreshed is not None and refreshed.supervision_count == 1
    actions = session.scalars(
        select(Event.action).where(Event.entity_type == "work_order", Event.entity_id == order.id)
    ).all()
    assert "sla_reminder" in actions and "sla_overdue" in actions


def test_extension_moves_the_deadline_and_a_new_overdue_follows(session: Session, client: TestClient) -> None:
    unit = make_unit(session)
    order = make_work_order(session, unit=unit, urgency="urgent")
    post(client, f"/api/v1/work-orders/{order.id}/sign")
    supervision.sweep(session=session, now=utcnow() + timedelta(hours=3))
    until = (utcnow() + timedelta(hours=30)).isoformat()
    post(client, f"/api/v1/work-orders/{order.id}/request-extension", {"until": until, "reason": "需要协调"})
    post(client, f"/api/v1/work-orders/{order.id}/approve-extension")
    assert supervision.sweep(session=session, now=utcnow() + timedelta(hours=4)).overdue == 0
    assert supervision.sweep(session=session, now=utcnow() + timedelta(hours=31)).overdue == 1


def test_closed_orders_are_not_supervised(session: Session, client: TestClient) -> None:
    unit = make_unit(session)
    order = make_work_order(session, unit=unit, urgency="urgent")
    post(client, f"/api/v1/work-orders/{order.id}/sign")
    post(client, f"/api/v1/work-orders/{order.id}/complete", {"opinion": "办结"})
    result = supervision.sweep(session=session, now=utcnow() + timedelta(days=3))
    assert (result.reminders, result.overdue) == (0, 0)


def test_manual_supervision_answered_by_the_unit_only(session: Session, as_role: AsRole) -> None:
    unit, other = make_unit(session), make_unit(session)
    order = make_work_order(session, unit=unit)
    boss = as_role("supervisor")
    issued = post(boss, "/api/v1/supervision", {"work_order_id": order.id, "reason": "群众多次来电催办"}, 201)
    assert issued["kind"] == "manual" and issued["status"] == "open" and issued["unit_id"] == unit.id
    assert boss.get(f"/api/v1/work-orders/{order.id}").json()["supervision_count"] == 1
    outsider = as_role("unit_staff", organisation_id=other.id)
    assert outsider.get("/api/v1/supervision").json() == []
    assert (
        outsider.post(f"/api/v1/supervision/{issued['id']}/respond", json={"response": "x"}).status_code
        == 404
    )
    staff = as_role("unit_staff", organisation_id=unit.id)
    assert [s["id"] for s in staff.get("/api/v1/supervision").json()] == [issued["id"]]
    answered = post(staff, f"/api/v1/supervision/{issued['id']}/respond", {"response": "已安排专人上门"})
    assert answered["status"] == "answered"
    assert (
        staff.post(f"/api/v1/supervision/{issued['id']}/respond", json={"response": "x"}).status_code == 409
    )
    assert (
        staff.post("/api/v1/supervision", json={"work_order_id": order.id, "reason": "x"}).status_code == 403
    )


def test_bad_supervision_input_writes_nothing(session: Session, as_role: AsRole) -> None:
    boss = as_role("supervisor")
    before = counts(session)
    assert boss.post("/api/v1/supervision", json={"work_order_id": 99999, "reason": "x"}).status_code == 404
    assert boss.post("/api/v1/supervision", json={"work_order_id": 1, "reason": ""}).status_code == 422
    assert (
        boss.post(
            "/api/v1/supervision", json={"work_order_id": 1, "reason": "x", "respond_within_hours": 0}
        ).status_code
        == 422
    )
    assert counts(session) == before


def test_tracking_lists_open_linked_items(session: Session, as_role: AsRole) -> None:
    seat, boss = as_role("seat_12345"), as_role("supervisor")
    req = new_request(seat)
    transfer = post(
        seat,
        "/api/v1/linkage/transfers",
        {"request_id": req["id"], "to_platform": "110", "reason": "治安"},
        201,
    )
    rows = boss.get("/api/v1/supervision/tracking").json()
    assert [r["transfer_id"] for r in rows] == [transfer["id"]] and rows[0]["response_overdue"] is False


def test_periodic_sweep_runs_through_the_worker(session_factory: sessionmaker[Session]) -> None:
    from liandong.worker_handlers import PERIODIC, register_all

    register_all()
    # The start of a time slot of every period (all divide an hour), so that now + 0.5 is in the same slots.
    now = time.time() // 3600 * 3600 + 0.1
    assert all(3600 % period == 0 for _, period in PERIODIC)
    assert worker.schedule_periodic(session_factory, PERIODIC, now=now) == len(PERIODIC)
    assert worker.schedule_periodic(session_factory, PERIODIC, now=now + 0.5) == 0  # same slot: queued once
    with session_factory() as s:
        assert "supervision.sweep" in {j.topic for j in outbox.list_jobs(session=s)}
    assert worker.drain(session_factory) >= 1
    with session_factory() as s:
        assert {j.status for j in outbox.list_jobs(session=s)} == {"done"}
