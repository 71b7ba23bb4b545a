"""Analytics API: permissions, KPIs, hotspots, risks, staffing, merger advice, evaluation, bad input."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.analytics import db_data as d

from liandong.analytics import flows

DAY = d.DAY
RANGE = {"from": str(DAY - timedelta(days=20)), "to": str(DAY)}
PHONE = "13912345678"


@pytest.fixture
def spike(session: Session) -> None:
    """A steady baseline of one order a day for 20 days, then 12 on DAY in one county x category."""
    for n in range(20, 0, -1):
        d.order(session, when=d.at(DAY - timedelta(days=n), 9), category="噪声")
        d.incident(session, when=d.at(DAY - timedelta(days=n), 20), category_code="02")
    for k in range(12):
        d.order(session, when=d.at(DAY, 8, k), category="噪声", summary=f"工地夜间施工噪声 电话{PHONE}")
    d.incident(session, when=d.at(DAY, 21), category_code="02")
    session.commit()
    flows.rebuild_rollups(session=session, start=DAY - timedelta(days=30), end=DAY)


def test_every_endpoint_needs_the_right_role(anon: TestClient, as_role: Callable[..., TestClient]) -> None:
    assert anon.get("/api/v1/analytics/kpis", params=RANGE).status_code == 401
    unit = as_role("unit_staff")
    consumer = as_role("data_consumer")
    seat = as_role("seat_12345")
    for client in (unit, consumer, seat):
        assert client.get("/api/v1/analytics/kpis", params=RANGE).status_code == 403
        assert client.get("/api/v1/analytics/hotspots").status_code == 403
        assert client.post("/api/v1/analytics/harassment/scan", json={}).status_code == 403
    for client in (unit, seat):
        assert client.get("/api/v1/analytics/open-data").status_code == 403
        assert client.get("/api/v1/analytics/open-data/counts", params=RANGE).status_code == 403
    assert consumer.get("/api/v1/analytics/open-data").status_code == 200
    assert consumer.get("/api/v1/analytics/open-data/counts", params=RANGE).status_code == 200
    assert unit.post("/api/v1/analytics/harassment/notice", json={"phone": PHONE}).status_code == 403
    assert seat.post("/api/v1/analytics/harassment/notice", json={"phone": PHONE}).status_code == 200
    supervisor = as_role("supervisor")
    assert supervisor.get("/api/v1/analytics/kpis", params=RANGE).status_code == 200
    assert (
        supervisor.get(
            "/api/v1/analytics/evaluation/export", params={**RANGE, "platform": "12345"}
        ).status_code
        == 200
    )
    assert supervisor.post("/api/v1/analytics/call-stats", json={"rows": []}).status_code == 403


def test_kpis_endpoint_groups_and_filters(client: TestClient, spike: None) -> None:
    r = client.get("/api/v1/analytics/kpis", params={**RANGE, "group_by": "platform", "period": "day"})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    day = [i for i in items if i["period"] == str(DAY)]
    assert {i["platform"]: i["counts"]["received"] for i in day} == {"12345": 12, "110": 1}
    only = client.get("/api/v1/analytics/kpis", params={**RANGE, "platform": "110", "category": "治安类警情"})
    assert only.json()["items"][0]["counts"]["received"] == 21


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-02-30", "to": "2026-03-01"},
        {"from": "yesterday", "to": "2026-03-01"},
        {"from": "2026-03-02", "to": "2026-03-01"},
        {"from": "2024-01-01", "to": "2026-03-01"},
        {**RANGE, "platform": "119"},
        {**RANGE, "group_by": "caller"},
        {**RANGE, "period": "hour"},
        {**RANGE, "adcode": "43'; drop table kpi_daily;--"},
        {**RANGE, "category": "类" * 81},
        {"to": "2026-03-01"},
    ],
)
def test_bad_kpi_queries_get_4xx(client: TestClient, session: Session, params: dict[str, str]) -> None:
    before = d.counts(session)
    r = client.get("/api/v1/analytics/kpis", params=params)
    assert r.status_code == 422, r.text
    assert set(r.json()) == {"code", "message", "details"}
    assert d.counts(session) == before


def test_hotspot_alert_for_an_injected_spike(client: TestClient, spike: None) -> None:
    r = client.get("/api/v1/analytics/hotspots", params={"day": str(DAY)})
    assert r.status_code == 200, r.text
    alerts = r.json()
    assert [(a["region"], a["category"], a["count"]) for a in alerts] == [("430104", "噪声", 12)]
    alert = alerts[0]
    assert alert["by_platform"] == {"12345": 12} and alert["expected"] < 2
    assert len(alert["examples"]) == 5 and all(e["platform"] == "12345" for e in alert["examples"])
    assert PHONE not in r.text and "139****5678" in r.text
    quiet = client.get("/api/v1/analytics/hotspots", params={"day": str(DAY - timedelta(days=1))})
    assert quiet.json() == []
    assert client.get("/api/v1/analytics/hotspots", params={"lookback_days": 3}).status_code == 422


def test_dispute_risk_list_groups_escalating_disputes(client: TestClient, session: Session) -> None:
    now = d.at(d.DAY.today(), 12)
    texts = ["邻居吵架", "邻居又吵闹，扬言报复", "邻居持刀威胁"]
    for n, text in enumerate(texts):
        d.incident(
            session,
            when=now - timedelta(days=30 - 10 * n),
            content=text,
            address="长沙市岳麓区某某小区5栋101",
            phone=PHONE,
        )
    session.commit()
    r = client.get("/api/v1/analytics/risks")
    assert r.status_code == 200, r.text
    items = r.json()
    assert items and items[0]["level"] == "high" and len(items[0]["record_ids"]) == 3
    codes = {reason["code"] for reason in items[0]["reasons"]}
    assert "escalating_words" in codes
    assert PHONE not in r.text
    assert client.get("/api/v1/analytics/risks", params={"window_days": 0}).status_code == 422


def test_staffing_plan_with_surges(client: TestClient, session: Session) -> None:
    start = DAY
    for n in range(1, 15):
        for hour in (9, 10, 10, 14, 15):
            d.request(session, when=d.at(DAY - timedelta(days=n), hour), phone=None)
    session.commit()
    r = client.get(
        "/api/v1/analytics/staffing", params={"platform": "12345", "start": str(start), "history_days": 14}
    )
    assert r.status_code == 200, r.text
    plans = {p["surge"]: p for p in r.json()["plans"]}
    assert set(plans) == {1.0, 3.0, 5.0}
    assert len(plans[1.0]["intervals"]) == 48
    assert 1 <= plans[1.0]["peak_agents"] <= plans[3.0]["peak_agents"] <= plans[5.0]["peak_agents"]
    withA = client.get("/api/v1/analytics/staffing", params={"platform": "12345", "start": str(start),
                                                              "history_days": 14, "patience_seconds": 60, "surge": "1"})  # fmt: skip
    assert withA.status_code == 200 and withA.json()["plans"][0]["intervals"][20]["p_abandon"] is not None
    for bad in ({"platform": "119"}, {"platform": "12345", "surge": "x3"}, {"platform": "12345", "days": 30},
                {"platform": "110", "start": str(start)}):  # fmt: skip
        assert client.get("/api/v1/analytics/staffing", params=bad).status_code == 422, bad


def _week_of_stats(number: str, answered_share: float) -> list[dict[str, object]]:
    first = d.at(DAY - timedelta(days=8), 0)
    rows = []
    for h in range(24 * 8):
        offered = 4
        rows.append({"number": number, "hour_start": (first + timedelta(hours=h)).isoformat(),
                     "offered": offered, "answered": round(offered * answered_share), "answered_15s": 0})  # fmt: skip
    return rows


def test_hotline_merger_advice_from_posted_call_stats(client: TestClient, session: Session) -> None:
    rows = _week_of_stats("12319", 0.5) + _week_of_stats("12315", 1.0)
    r = client.post("/api/v1/analytics/call-stats", json={"rows": rows})
    assert r.status_code == 201, r.text
    again = client.post("/api/v1/analytics/call-stats", json={"rows": rows[:5]})  # re-post replaces
    assert again.status_code == 201
    params = {"from": str(DAY - timedelta(days=8)), "to": str(DAY - timedelta(days=1))}
    advice = {a["number"]: a for a in client.get("/api/v1/analytics/hotline-merger", params=params).json()}
    assert advice["12319"]["advice"] == "merge" and advice["12319"]["answer_rate"] == 0.5
    assert advice["12315"]["advice"] == "keep"
    assert (
        client.get(
            "/api/v1/analytics/hotline-merger", params={"from": "2026-01-01", "to": "2026-12-31"}
        ).status_code
        == 422
    )


@pytest.mark.parametrize(
    "row",
    [
        {"number": "12319", "hour_start": "2026-03-01T10:00:00+08:00", "offered": 3, "answered": 4},
        {"number": "12319", "hour_start": "2026-03-01T10:30:00+08:00", "offered": 3, "answered": 1},
        {"number": "12319", "hour_start": "2026-03-01T10:00:00", "offered": 3, "answered": 1},
        {"number": "12319", "hour_start": "2099-03-01T10:00:00+08:00", "offered": 3, "answered": 1},
        {"number": "12319<script>", "hour_start": "2026-03-01T10:00:00+08:00", "offered": 3, "answered": 1},
        {"number": "12319", "hour_start": "2026-03-01T10:00:00+08:00", "offered": -1, "answered": 0},
        {"number": "12319", "hour_start": "2026-03-01T10:00:00+08:00", "offered": 3, "answered": 1, "x": 1},
        {"number": "12319", "offered": 3, "answered": 1},
    ],
)
def test_bad_call_stats_write_nothing(client: TestClient, session: Session, row: dict[str, object]) -> None:
    before = d.counts(session)
    good = {"number": "12345", "hour_start": "2026-03-01T09:00:00+08:00", "offered": 3, "answered": 1}
    r = client.post("/api/v1/analytics/call-stats", json={"rows": [good, row]})
    assert r.status_code == 422, r.text
    assert d.counts(session) == before


def test_call_stats_batch_limits(client: TestClient, session: Session) -> None:
    before = d.counts(session)
    row = {"number": "12345", "hour_start": "2026-03-01T09:00:00+08:00", "offered": 3, "answered": 1}
    assert client.post("/api/v1/analytics/call-stats", json={"rows": [row, row]}).status_code == 422
    assert client.post("/api/v1/analytics/call-stats", json={"rows": [row] * 5001}).status_code in (413, 422)
    assert client.post("/api/v1/analytics/call-stats", content=b"{not json").status_code == 422
    assert d.counts(session) == before


def test_evaluation_report_as_json_html_and_pdf(client: TestClient, spike: None) -> None:
    params = {**RANGE, "platform": "12345"}
    j = client.get("/api/v1/analytics/evaluation", params=params)
    assert j.status_code == 200, j.text
    body = j.json()
    assert body["platform"] == "12345" and "answer_rate" in body["missing"] and body["daily"]
    html = client.get("/api/v1/analytics/evaluation", params={**params, "format": "html"})
    assert html.headers["content-type"].startswith("text/html")
    assert "<svg" in html.text and "评估报告" in html.text and "<script" not in html.text
    pdf = client.get("/api/v1/analytics/evaluation", params={**params, "format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    for text in (j.text, html.text):
        assert PHONE not in text
    config = "name: 自定义\nplatform: '12345'\nindices:\n  - {key: response_rate, name: 响应率, weight: 1, target: 0.9, floor: 0.5}\n"
    custom = client.post(
        "/api/v1/analytics/evaluation",
        json={"platform": "12345", "start": RANGE["from"], "end": RANGE["to"], "config": config},
    )
    assert custom.status_code == 200 and custom.json()["system"] == "自定义"


@pytest.mark.parametrize(
    "config",
    [
        "{{{",
        "!!python/object/apply:os.system ['echo hi']",
        "name: x\nplatform: '110'\nindices: []\n",
        "- a\n- b\n",
        "a" * 300_000,
    ],
)
def test_bad_index_system_is_refused(client: TestClient, config: str) -> None:
    body = {"platform": "12345", "start": RANGE["from"], "end": RANGE["to"], "config": config}
    assert client.post("/api/v1/analytics/evaluation", json=body).status_code in (413, 422)


def test_evaluator_export_is_de_identified(client: TestClient, session: Session, spike: None) -> None:
    o = d.order(session, when=d.at(DAY, 11), category="噪声", summary=f"张三 {PHONE} 住枫林三路18号")
    session.commit()
    for fmt in ("csv", "jsonl"):
        r = client.get(
            "/api/v1/analytics/evaluation/export", params={**RANGE, "platform": "12345", "format": fmt}
        )
        assert r.status_code == 200, r.text
        for secret in (PHONE, "张三", "枫林", "13800138000", o.number or "x", "GDT"):
            assert secret not in r.text
        assert "430104" in r.text
    inc = client.get("/api/v1/analytics/evaluation/export", params={**RANGE, "platform": "110"})
    assert inc.status_code == 200 and "JJT" not in inc.text and "13700137000" not in inc.text
