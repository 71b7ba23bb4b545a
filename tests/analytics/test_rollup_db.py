"""Daily KPI rollups on a hand-made dataset: exact counts, idempotent rebuilds, KPI queries, the outbox job."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.analytics import db_data as d
from tests.factories import make_unit

from liandong.analytics import flows, rollup, service
from liandong.analytics.models import COUNTERS, KpiDaily
from liandong.core.errors import InvalidInput
from liandong.outbox import worker
from liandong.reference.enums import OrgKind

DAY = d.DAY


@pytest.fixture
def dataset(session: Session) -> dict[str, int]:
    """Orders, incidents, events and calls around DAY with known answers (see docs/kpis.md)."""
    a = make_unit(session).id
    b = make_unit(session).id
    police = make_unit(session, kind=OrgKind.POLICE_STATION).id
    o1 = d.order(session, when=d.at(DAY, 10), unit_id=a, status="visited",
                 dispatched_at=d.at(DAY, 10, 5), signed_at=d.at(DAY, 11), completed_at=d.at(DAY, 15),
                 visited_at=d.at(DAY, 18), satisfaction=5)  # fmt: skip
    o2 = d.order(session, when=d.at(DAY, 9), unit_id=a, status="signed",
                 dispatched_at=d.at(DAY, 9, 10), signed_at=d.at(DAY, 13))  # fmt: skip
    o3 = d.order(session, when=d.at(DAY - timedelta(days=1), 23, 30), unit_id=a, status="visited",
                 dispatched_at=d.at(DAY, 0, 10), completed_at=d.at(DAY, 12), due_at=d.at(DAY, 11),
                 visited_at=d.at(DAY, 16), satisfaction=4, reopen_count=1)  # fmt: skip
    d.order(session, when=d.at(DAY, 23, 59), unit_id=a)
    d.order(session, when=d.at(DAY + timedelta(days=1), 0, 0), unit_id=a)
    d.order(session, when=d.at(DAY, 10), unit_id=b, adcode="430105001", category="噪声")
    d.event(session, entity_type="work_order", entity_id=o3.id, action="reopen", when=d.at(DAY, 14))
    d.event(session, entity_type="work_order", entity_id=o1.id, action="transfer", when=d.at(DAY, 10, 1))
    d.event(session, entity_type="work_order", entity_id=o2.id, action="refuse", when=d.at(DAY, 10, 2))
    d.incident(session, when=d.at(DAY, 8), jurisdiction_unit_id=police, dispatched_at=d.at(DAY, 8, 2),
               arrived_at=d.at(DAY, 8, 12), resolved_at=d.at(DAY, 10))  # fmt: skip
    d.incident(session, when=d.at(DAY, 9), category_code="02", jurisdiction_unit_id=police,
               dispatched_at=d.at(DAY, 9, 1), arrived_at=d.at(DAY, 9, 40))  # fmt: skip
    d.call_stat(session, number="12345", hour=d.at(DAY, 10), offered=100, answered=80, fast=70)
    d.call_stat(session, number="12345", hour=d.at(DAY - timedelta(days=1), 23), offered=10, answered=10)
    session.commit()
    return {"a": a, "b": b, "police": police}


def _rows(session: Session) -> dict[tuple[object, ...], dict[str, int]]:
    out = {}
    for r in session.scalars(select(KpiDaily)):
        values = {c: getattr(r, c) for c in COUNTERS if getattr(r, c)}
        out[(r.day, r.platform, r.unit_id, r.adcode, r.category)] = values
    return out


def test_rollup_counts_are_exact(session: Session, dataset: dict[str, int]) -> None:
    written = flows.rebuild_rollups(session=session, start=DAY, end=DAY)
    a, b, police = dataset["a"], dataset["b"], dataset["police"]
    assert _rows(session) == {
        (DAY, "12345", a, "430104", "城乡建设"): {
            "received": 3, "dispatched": 3, "responded": 1, "completed": 2, "completed_on_time": 1,
            "visited": 2, "satisfied": 2, "resolved": 1, "satisfaction_sum": 9, "reopened": 1,
            "transfers": 1, "refusals": 1,
        },
        (DAY, "12345", b, "430105", "噪声"): {"received": 1},
        (DAY, "110", police, "430104", "纠纷"): {
            "received": 1, "dispatched": 1, "responded": 1, "completed": 1, "completed_on_time": 1,
        },
        (DAY, "110", police, "430104", "治安类警情"): {"received": 1, "dispatched": 1},
        (DAY, "12345", 0, "", ""): {"calls_offered": 100, "calls_answered": 80, "calls_answered_15s": 70},
    }  # fmt: skip
    assert written == 5


def test_rebuild_is_idempotent_and_touches_only_its_days(session: Session, dataset: dict[str, int]) -> None:
    flows.rebuild_rollups(session=session, start=DAY - timedelta(days=1), end=DAY + timedelta(days=1))
    first = _rows(session)
    flows.rebuild_rollups(session=session, start=DAY, end=DAY)
    flows.rebuild_rollups(session=session, start=DAY, end=DAY)
    assert _rows(session) == first
    before = DAY - timedelta(days=1)
    assert first[(before, "12345", dataset["a"], "430104", "城乡建设")] == {"received": 1}
    assert first[(before, "12345", 0, "", "")] == {"calls_offered": 10, "calls_answered": 10}
    assert first[(DAY + timedelta(days=1), "12345", dataset["a"], "430104", "城乡建设")] == {"received": 1}


def test_kpi_rates_and_filters(session: Session, dataset: dict[str, int]) -> None:
    flows.rebuild_rollups(session=session, start=DAY, end=DAY)
    flt = service.KpiFilter(start=DAY, end=DAY, platform="12345")
    (row,) = service.kpis(session=session, flt=flt)
    assert row.counts["received"] == 4
    assert row.kpis == {
        "answer_rate": 0.8, "answered_within_15s_rate": 0.7, "response_rate": 0.3333,
        "on_time_completion_rate": 0.5, "resolution_rate": 0.5, "satisfaction_rate": 1.0,
        "mean_satisfaction": 4.5, "reopen_rate": 0.5, "transfer_refusal_rate": 1.0,
    }  # fmt: skip
    by_unit = service.kpis(session=session, flt=flt, group_by=["unit"])
    assert {r.unit_id: r.counts["received"] for r in by_unit} == {0: 0, dataset["a"]: 3, dataset["b"]: 1}
    county = service.KpiFilter(start=DAY, end=DAY, adcode="430105")
    assert [r.counts["received"] for r in service.kpis(session=session, flt=county)] == [1]
    city = service.kpis(session=session, flt=service.KpiFilter(start=DAY, end=DAY, adcode="430100"),
                        group_by=["platform", "region"], region_level="city")  # fmt: skip
    assert {(r.platform, r.region): r.counts["received"] for r in city} == {
        ("110", "4301"): 2,
        ("12345", "4301"): 4,
    }
    cat = service.KpiFilter(start=DAY, end=DAY, category="纠纷")
    (inc,) = service.kpis(session=session, flt=cat)
    assert inc.kpis["response_rate"] == 1.0 and inc.kpis["satisfaction_rate"] is None
    month = service.kpis(session=session, flt=flt, period="month")
    week = service.kpis(session=session, flt=flt, period="week")
    assert [r.period for r in month] == ["2026-03"] and [r.period for r in week] == ["2026-W11"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"start": DAY, "end": DAY - timedelta(days=1)}, "to"),
        ({"start": DAY - timedelta(days=400), "end": DAY}, "to"),
        ({"start": DAY, "end": DAY, "platform": "119"}, "platform"),
        ({"start": DAY, "end": DAY, "adcode": "43x"}, "adcode"),
    ],
)
def test_bad_kpi_queries_are_refused(session: Session, kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        service.kpis(session=session, flt=service.KpiFilter(**kwargs))  # type: ignore[arg-type]
    assert exc.value.field == field


def test_rollup_job_runs_in_the_worker_once_per_day(
    session: Session, session_factory: sessionmaker[Session], dataset: dict[str, int]
) -> None:
    before = d.counts(session)
    assert flows.queue_rollups(session=session, start=DAY, end=DAY, generation="g1") == 1
    assert flows.queue_rollups(session=session, start=DAY, end=DAY, generation="g1") == 0  # deduplicated
    assert d.counts(session)["outbox_jobs"] == before["outbox_jobs"] + 1
    assert worker.drain(session_factory, handlers={rollup.TOPIC: rollup.run_rollup_job}) == 1
    session.expire_all()
    assert len(_rows(session)) == 5


def test_rollup_job_with_a_bad_payload_fails_without_writing(session: Session) -> None:
    with pytest.raises(InvalidInput):
        rollup.run_rollup_job(session, {"day": "2026-02-30"})
    assert d.counts(session)["kpi_daily"] == 0
