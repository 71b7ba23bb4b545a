"""日常联动 and 应急联动 end to end."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import make_unit
from tests.linkage.helpers import counts, new_request, post

from liandong.linkage import jobs  # noqa: F401 - registers the handlers
from liandong.outbox import worker

AsRole = Callable[..., TestClient]


def test_110_dispatches_then_hands_dispute_to_12345_with_joint_mediation(
    session: Session, as_role: AsRole
) -> None:
    police, seat = as_role("seat_110"), as_role("seat_12345")
    station = make_unit(session, kind="police_station", categories=[]).id
    lead, co = make_unit(session), make_unit(session)
    incident = post(
        police,
        "/api/v1/incidents",
        {
            "content": "两户邻居因楼道堆物争吵, 情绪激动",
            "category_code": "08",
            "jurisdiction_unit_id": station,
        },
        201,
    )
    post(police, f"/api/v1/incidents/{incident['id']}/arrive")
    order = post(
        police,
        f"/api/v1/incidents/{incident['id']}/handover",
        {"reason": "现场已平息, 楼道堆物需街道处理", "category": "城乡建设"},
        201,
    )
    assert order["request_type"] == "help" and "[110移交]" in order["summary"]
    order = post(seat, f"/api/v1/work-orders/{order['id']}/dispatch", {"handling_unit_id": lead.id})
    co_rows = seat.put(f"/api/v1/work-orders/{order['id']}/co-handlers", json={"unit_ids": [co.id]})
    assert co_rows.status_code == 200 and co_rows.json()[0]["unit_id"] == co.id
    co_staff = as_role("unit_staff", organisation_id=co.id)
    assert (
        co_staff.post(
            f"/api/v1/work-orders/{order['id']}/co-handlers/opinion", json={"opinion": "配合清理堆物"}
        ).status_code
        == 200
    )
    lead_staff = as_role("unit_staff", organisation_id=lead.id)
    assert (
        lead_staff.post(
            f"/api/v1/work-orders/{order['id']}/co-handlers/opinion", json={"opinion": "x"}
        ).status_code
        == 403
    )
    links = seat.get(f"/api/v1/work-orders/{order['id']}/links").json()
    assert links[0]["kind"] == "handover" and links[0]["incident_status"] == "on_scene"
    back = police.get(f"/api/v1/incidents/{incident['id']}/links").json()
    assert back[0]["work_order_status"] == "dispatched"


def test_unit_escalates_worsening_dispute_to_110(
    session: Session, client: TestClient, as_role: AsRole
) -> None:
    unit, other = make_unit(session), make_unit(session)
    req = new_request(client, "物业和业主因停车费纠纷, 多次协调无果")
    order = post(
        client,
        "/api/v1/work-orders",
        {"request_id": req["id"], "request_type": "complaint", "handling_unit_id": unit.id},
        201,
    )
    outsider = as_role("unit_staff", organisation_id=other.id)
    before = counts(session)
    assert (
        outsider.post(f"/api/v1/work-orders/{order['id']}/escalate", json={"reason": "x"}).status_code == 404
    )
    assert counts(session) == before
    staff = as_role("unit_staff", organisation_id=unit.id)
    incident = post(
        staff, f"/api/v1/work-orders/{order['id']}/escalate", {"reason": "双方发生推搡, 事态难以控制"}, 201
    )
    assert incident["category_code"] == "08" and incident["priority"] == 2
    assert "承办单位联动110" in incident["content"]
    links = staff.get(f"/api/v1/work-orders/{order['id']}/links").json()
    assert links[0]["kind"] == "escalation" and links[0]["incident_id"] == incident["id"]


def test_12345_hands_stability_clue_to_110(session: Session, client: TestClient, as_role: AsRole) -> None:
    seat = as_role("seat_12345")
    req = new_request(seat, "听说明天有几十人要去市政府门口聚集讨薪")
    order = post(client, "/api/v1/work-orders", {"request_id": req["id"], "request_type": "report"}, 201)
    incident = post(
        seat,
        f"/api/v1/work-orders/{order['id']}/clue-to-110",
        {"reason": "可能引发群体性事件", "category_code": "04"},
        201,
    )
    assert incident["category_code"] == "04"
    # A confidential incident stays invisible to 12345 even through links.
    police = as_role("seat_110")
    confidential = post(
        police, "/api/v1/incidents", {"content": "涉密线索", "category_code": "01", "confidential": True}, 201
    )
    from liandong.linkage.enums import LinkKind
    from liandong.linkage.links import link

    link(
        session=session,
        work_order_id=order["id"],
        incident_id=confidential["id"],
        kind=LinkKind.CLUE,
        actor="t",
    )
    session.commit()
    kinds = [x["incident_id"] for x in seat.get(f"/api/v1/work-orders/{order['id']}/links").json()]
    assert kinds == [incident["id"]]
    assert len(police.get(f"/api/v1/work-orders/{order['id']}/links").json()) == 2


def test_emergency_plan_notifies_hotlines_and_surge(
    session: Session, session_factory: sessionmaker[Session], as_role: AsRole
) -> None:
    from liandong.demo import city

    city.seed(session=session)
    session.commit()
    supervisor, seat = as_role("supervisor"), as_role("seat_12345")
    assert seat.get("/api/v1/linkage/surge").json() == {"surge_mode": False}
    assert seat.post("/api/v1/linkage/activations", json={}).status_code == 403
    activation = post(
        supervisor,
        "/api/v1/linkage/activations",
        {
            "plan_code": "natural_disaster",
            "title": "湘江洪水",
            "description": "岳麓区沿江低洼地带进水",
            "adcode": "430104",
            "remote_seats": 20,
        },
        201,
    )
    kinds = {n["organisation_id"] for n in activation["notifications"]}
    assert len(kinds) == 5 and all(n["status"] == "pending" for n in activation["notifications"])
    assert "湘江洪水" in activation["notifications"][0]["message"]
    assert seat.get("/api/v1/linkage/surge").json() == {"surge_mode": True}
    worker.drain(session_factory)
    activation = supervisor.get(f"/api/v1/linkage/activations/{activation['id']}").json()
    assert all(n["status"] == "delivered" for n in activation["notifications"])
    post(supervisor, f"/api/v1/linkage/activations/{activation['id']}/close")
    assert seat.get("/api/v1/linkage/surge").json() == {"surge_mode": False}
    assert supervisor.post(f"/api/v1/linkage/activations/{activation['id']}/close").status_code == 409


def test_bad_activation_input(session: Session, as_role: AsRole) -> None:
    supervisor = as_role("supervisor")
    before = counts(session)
    for body in (
        {"plan_code": "alien_invasion", "title": "x", "description": "x"},
        {"plan_code": "social_security", "title": "x", "description": "x", "remote_seats": 5},
        {"plan_code": "natural_disaster", "title": "", "description": "x"},
    ):
        assert supervisor.post("/api/v1/linkage/activations", json=body).status_code == 422
    assert counts(session) == before


def test_guidance_script_recorded(session: Session, as_role: AsRole) -> None:
    seat = as_role("seat_12345")
    scripts = seat.get("/api/v1/linkage/guidance-scripts").json()
    assert scripts and all({"id", "title", "channel"} <= set(s) for s in scripts)
    req = new_request(seat, "我想问一下明天会不会下雨")
    done = post(
        seat,
        "/api/v1/linkage/guidance",
        {"request_id": req["id"], "guidance_id": scripts[0]["id"], "note": "已告知"},
    )
    assert done["status"] == "guided" and scripts[0]["title"] in done["resolution_note"]
    other = new_request(seat)
    before = counts(session)
    assert (
        seat.post(
            "/api/v1/linkage/guidance", json={"request_id": other["id"], "guidance_id": "nope"}
        ).status_code
        == 422
    )
    assert counts(session) == before


def test_notified_hotline_acknowledges_once(
    session: Session, session_factory: sessionmaker[Session], as_role: AsRole
) -> None:
    from liandong.demo import city

    city.seed(session=session)
    session.commit()
    supervisor = as_role("supervisor")
    activation = post(
        supervisor,
        "/api/v1/linkage/activations",
        {"plan_code": "natural_disaster", "title": "暴雨", "description": "城区内涝", "adcode": "430104"},
        201,
    )
    note = activation["notifications"][0]
    stranger = as_role("unit_staff", organisation_id=activation["notifications"][1]["organisation_id"])
    before = counts(session)
    refused = stranger.post(f"/api/v1/linkage/notifications/{note['id']}/acknowledge")
    assert refused.status_code == 403 and counts(session) == before
    assert supervisor.post("/api/v1/linkage/notifications/99999/acknowledge").status_code == 404
    hotline = as_role("unit_staff", organisation_id=note["organisation_id"])
    first = post(hotline, f"/api/v1/linkage/notifications/{note['id']}/acknowledge")
    assert first["status"] == "acknowledged" and first["acknowledged_at"]
    again = post(hotline, f"/api/v1/linkage/notifications/{note['id']}/acknowledge")
    assert again["acknowledged_at"] == first["acknowledged_at"]  # idempotent: the first time stands
    worker.drain(session_factory)  # delivery after acknowledgement does not move it back
    shown = supervisor.get(f"/api/v1/linkage/activations/{activation['id']}").json()["notifications"]
    assert next(n for n in shown if n["id"] == note["id"])["status"] == "acknowledged"
    history = supervisor.get(f"/api/v1/linkage/activations/{activation['id']}").json()
    assert history["status"] == "active"
