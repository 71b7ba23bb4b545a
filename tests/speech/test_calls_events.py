"""CTI events: ingestion, idempotency, out-of-order replay, answer statistics, refusals, permissions."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.factories import make_request, make_unit
from tests.speech.call_helpers import T0, counts, ev

from liandong.core.timeutil import utcnow
from liandong.events.models import Event
from liandong.speech.models import CallEvent, CallRecord

NUMBER = "13912345678"


def post(client: TestClient, body: Any) -> Any:
    return client.post("/api/v1/calls/events", json=body)


def record(session: Session, call_id: str, source: str = "fs-1") -> CallRecord:
    session.expire_all()
    row = session.scalar(select(CallRecord).where(CallRecord.call_id == call_id, CallRecord.source == source))
    assert row is not None
    return row


def test_a_call_from_ringing_to_hang_up(client: TestClient, session: Session) -> None:
    batch = [
        ev("ringing", at=0, number=NUMBER, dialled="12345", queue="综合"),
        ev("answered", at=12, seat="1001"),
        ev("transferred", at=40, seat="1001", target="1002"),
        ev("conferenced", at=50, seat="1002", target="110"),
        ev("ended", at=100),
    ]
    r = post(client, batch)
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 5 and r.json()["duplicates"] == 0
    call_id = r.json()["calls"][0]
    detail = client.get(f"/api/v1/calls/{call_id}").json()
    assert (
        detail["state"] == "ended" and detail["platform"] == "12345" and detail["hotline_number"] == "12345"
    )
    assert detail["caller_phone_masked"] == "139****5678"
    assert NUMBER not in json.dumps(detail)
    assert detail["seat"] == "1001" and detail["queue"] == "综合"
    assert detail["wait_seconds"] == 12 and detail["talk_seconds"] == 88
    assert [t["target"] for t in detail["transfers"]] == ["1002"]
    assert [c["target"] for c in detail["conferences"]] == ["110"]
    assert [e["event"] for e in detail["events"]] == [
        "ringing",
        "answered",
        "transferred",
        "conferenced",
        "ended",
    ]
    row = record(session, "c-1")
    assert row.caller_phone_enc and NUMBER not in row.caller_phone_enc
    history = session.scalars(select(Event).where(Event.entity_type == "call", Event.entity_id == row.id))
    assert [e.to_state for e in history][-1] == "ended"


def test_110_is_taken_from_the_number_dialled(client: TestClient, session: Session) -> None:
    assert post(client, ev("ringing", call_id="p-1", dialled="110")).status_code == 200
    assert record(session, "p-1").platform == "110"


def test_duplicates_are_ignored_and_write_nothing(client: TestClient, session: Session) -> None:
    batch = [ev("ringing", at=0, number=NUMBER), ev("answered", at=3, seat="7"), ev("ended", at=9)]
    assert post(client, batch).json()["accepted"] == 3
    before = counts(session)
    again = post(client, [*batch, batch[1]]).json()
    assert again["accepted"] == 0 and again["duplicates"] == 4
    assert counts(session) == before
    # Same event type at another instant is another event (a second transfer, say).
    assert post(client, ev("ended", at=10)).json()["accepted"] == 1


def test_arrival_order_does_not_change_the_record(client: TestClient, session: Session) -> None:
    orders = list(itertools.permutations(range(4)))
    for n, order in enumerate(orders):
        events = [
            ev("ringing", f"o{n}", 0, queue="q1"),
            ev("answered", f"o{n}", 5, seat="1001"),
            ev("transferred", f"o{n}", 20, seat="1001", target="1002"),
            ev("ended", f"o{n}", 60),
        ]
        for i in order:
            assert post(client, events[i]).status_code == 200
    for n in range(len(orders)):
        row = record(session, f"o{n}")
        assert (row.state, row.seat, row.queue) == ("ended", "1001", "q1")
        assert (row.wait_seconds, row.talk_seconds) == (5, 55)
        assert row.ringing_at == T0 and row.ended_at == T0 + timedelta(seconds=60)
        assert [t["target"] for t in row.transfers] == ["1002"]


def test_events_the_table_cannot_place_are_kept_but_not_applied(client: TestClient, session: Session) -> None:
    post(client, [ev("ringing", at=0), ev("ended", at=30)])
    post(client, ev("answered", at=45, seat="1001"))  # after the hang-up: a PBX glitch
    post(client, ev("transferred", call_id="lonely", at=1, target="1002"))
    row = record(session, "c-1")
    assert row.state == "ended" and row.answered_at is None and row.wait_seconds == 30
    applied = {
        e.event: e.applied
        for e in session.scalars(select(CallEvent).where(CallEvent.call_record_id == row.id))
    }
    assert applied == {"ringing": True, "ended": True, "answered": False}
    assert record(session, "lonely").state == "new"


def test_same_instant_ringing_and_answer_replay_in_call_order(client: TestClient, session: Session) -> None:
    post(client, [ev("answered", at=0, seat="9"), ev("ringing", at=0)])
    row = record(session, "c-1")
    assert row.state == "answered" and row.wait_seconds == 0


def test_answer_statistics(client: TestClient) -> None:
    calls = {
        "fast": [ev("ringing", "fast", 0), ev("answered", "fast", 8, seat="1"), ev("ended", "fast", 70)],
        "slow": [ev("ringing", "slow", 10), ev("answered", "slow", 40, seat="2"), ev("ended", "slow", 100)],
        "gave-up": [ev("ringing", "gave-up", 20), ev("ended", "gave-up", 50)],
        "ringing": [ev("ringing", "ringing", 30)],
        "out": [ev("answered", "out", 5, direction="outbound", seat="3")],
        "other-day": [ev("ringing", "other-day", -86_400), ev("ended", "other-day", -86_000)],
    }
    assert post(client, [e for batch in calls.values() for e in batch]).status_code == 200
    window = {"start": T0.isoformat(), "end": (T0 + timedelta(hours=1)).isoformat(), "within": 15}
    stats = client.get("/api/v1/calls/stats", params=window).json()
    assert stats["offered"] == 4 and stats["answered"] == 2 and stats["abandoned"] == 1
    assert stats["answered_within"] == 1 and stats["service_level"] == 0.25 and stats["answer_rate"] == 0.5
    assert stats["mean_wait_seconds"] == 19.0 and stats["mean_talk_seconds"] == 61.0


def test_list_filters_and_masking(client: TestClient) -> None:
    post(client, [ev("ringing", "a", 0, number=NUMBER), ev("answered", "a", 5, seat="1001")])
    post(client, [ev("ringing", "b", 60, number="13800000000", dialled="110"), ev("ended", "b", 70)])
    post(client, ev("ringing", "c", -86_400 * 3))

    def ids(**params: Any) -> set[str]:
        r = client.get("/api/v1/calls", params=params)
        assert r.status_code == 200, r.text
        assert NUMBER not in r.text
        return {c["call_id"] for c in r.json()["items"]}

    assert ids(number=NUMBER) == {"a"}
    assert ids(number="+86 139-1234-5678") == {"a"}
    assert ids(seat="1001") == {"a"} and ids(platform="110") == {"b"} and ids(state="ended") == {"b"}
    assert ids(day=T0.date().isoformat()) == {"a", "b"}
    assert ids(started_from=(T0 + timedelta(seconds=30)).isoformat()) == {"b"}
    assert client.get("/api/v1/calls", params={"limit": 1}).json()["total"] == 3


def test_link_request_and_triage_copy(client: TestClient, session: Session) -> None:
    call_id = post(client, ev("ringing")).json()["calls"][0]
    req = make_request(session)
    r = client.post(f"/api/v1/calls/{call_id}/link", json={"request_id": req.id})
    assert r.status_code == 200 and r.json()["request_id"] == req.id
    before = counts(session)
    assert client.post(f"/api/v1/calls/{call_id}/link", json={"request_id": 999_999}).status_code == 404
    assert client.post(f"/api/v1/calls/{call_id}/link", json={"request_id": "x"}).status_code == 422
    assert client.post("/api/v1/calls/999999/link", json={"request_id": req.id}).status_code == 404
    assert counts(session) == before


GOOD = ev("ringing")
BAD_EVENTS: dict[str, Any] = {
    "missing-call-id": {k: v for k, v in GOOD.items() if k != "call_id"},
    "missing-timestamp": {k: v for k, v in GOOD.items() if k != "timestamp"},
    "unknown-event": {**GOOD, "event": "on_hold"},
    "extra-field": {**GOOD, "password": "x"},
    "naive-timestamp": {**GOOD, "timestamp": "2024-05-06T09:00:00"},
    "future": {**GOOD, "timestamp": (utcnow() + timedelta(days=1)).isoformat()},
    "ancient": {**GOOD, "timestamp": "1999-12-31T23:59:59+00:00"},
    "garbage-timestamp": {**GOOD, "timestamp": "yesterday"},
    "sql-in-call-id": {**GOOD, "call_id": "1'; DROP TABLE call_records;--"},
    "markup-in-seat": {**GOOD, "seat": "<script>alert(1)</script>"},
    "nul-in-queue": {**GOOD, "queue": "q\x00"},
    "letters-as-number": {**GOOD, "number": "call me maybe"},
    "huge-call-id": {**GOOD, "call_id": "x" * 129},
    "huge-seat": {**GOOD, "seat": "9" * 65},
    "transfer-without-target": {**GOOD, "event": "transferred"},
    "bad-platform": {**GOOD, "platform": "119"},
    "number-as-object": {**GOOD, "number": {"$ne": None}},
    "empty-batch": [],
    "batch-over-limit": [ev("ringing", f"c{i}") for i in range(1001)],
    "one-bad-in-batch": [ev("ringing", "ok-1"), ev("answered", "ok-1", 3), {**GOOD, "event": "nope"}],
    "string": "ringing",
    "null": None,
}


@pytest.mark.parametrize("body", BAD_EVENTS.values(), ids=BAD_EVENTS.keys())
def test_malformed_and_hostile_events_write_nothing(client: TestClient, session: Session, body: Any) -> None:
    before = counts(session)
    r = post(client, body)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "validation_error" and r.json()["message"]
    assert counts(session) == before


@pytest.mark.parametrize(
    ("raw", "content_type", "code"),
    [
        (b"{not json", "application/json", 422),
        (b"", "application/json", 422),
        (
            json.dumps([ev("ringing", f"c{i}", seat="s" * 60) for i in range(9000)]).encode(),
            "application/json",
            413,
        ),
    ],
    ids=["not-json", "empty", "oversized"],
)
def test_unparseable_or_oversized_bodies_write_nothing(
    client: TestClient, session: Session, raw: bytes, content_type: str, code: int
) -> None:
    before = counts(session)
    r = client.post("/api/v1/calls/events", content=raw, headers={"content-type": content_type})
    assert r.status_code == code, r.text
    assert counts(session) == before


def test_withheld_numbers_are_accepted_as_none(client: TestClient, session: Session) -> None:
    assert post(client, ev("ringing", number="anonymous")).status_code == 200
    assert record(session, "c-1").caller_phone_hash is None


def test_who_may_do_what(anon: TestClient, as_role: Callable[..., TestClient], session: Session) -> None:
    unit = as_role("unit_staff", organisation_id=make_unit(session).id)
    before = counts(session)
    assert post(anon, GOOD).status_code == 401
    assert post(unit, GOOD).status_code == 403
    assert unit.get("/api/v1/calls").status_code == 403
    assert as_role("data_consumer").get("/api/v1/calls").status_code == 403
    assert counts(session) == before
    pbx = as_role("system")
    assert post(pbx, GOOD).status_code == 200  # a PBX integration feeds events...
    assert pbx.get("/api/v1/calls").status_code == 403  # ...but reads nothing back
    seat = as_role("seat_12345")
    assert seat.get("/api/v1/calls").json()["total"] == 1
    assert (
        as_role("supervisor")
        .get("/api/v1/calls/stats", params={"start": T0.isoformat(), "end": T0.isoformat()})
        .status_code
        == 200
    )
