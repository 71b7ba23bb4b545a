"""Open data: aggregated datasets with small-count suppression, no personal data, JSON/CSV and bulk files."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.analytics import db_data as d
from tests.factories import make_unit

from liandong.analytics import flows, opendata

DAY = d.DAY
RANGE = {"from": str(DAY - timedelta(days=3)), "to": str(DAY)}
SECRETS = ("13800138000", "13912345678", "张三", "枫林", "麓谷", "GDT", "SQT", "JJT")


@pytest.fixture
def published(session: Session) -> int:
    """Seven noise orders in one county (published) and two road orders in another (suppressed)."""
    unit = make_unit(session, name="长沙市岳麓区城管局").id
    for k in range(7):
        d.order(session, when=d.at(DAY, 9, k), unit_id=unit, category="噪声", status="completed",
                completed_at=d.at(DAY, 12), visited_at=d.at(DAY, 13), satisfaction=5)  # fmt: skip
    for k in range(2):
        d.order(session, when=d.at(DAY, 10, k), unit_id=unit, adcode="430105", category="道路")
    d.incident(session, when=d.at(DAY, 11), category_code="02")
    session.commit()
    flows.rebuild_rollups(session=session, start=DAY - timedelta(days=3), end=DAY)
    return unit


def test_counts_dataset_suppresses_small_cells(as_role: Callable[..., TestClient], published: int) -> None:
    consumer = as_role("data_consumer")
    r = consumer.get("/api/v1/analytics/open-data/counts", params=RANGE)
    assert r.status_code == 200, r.text
    rows = {(i["adcode"], i["category"], i["platform"]): i for i in r.json()["items"]}
    noise = rows[("430104", "噪声", "12345")]
    assert noise["received"] == 7 and noise["completed"] == 7 and noise["suppressed"] is False
    road = rows[("430105", "道路", "12345")]
    assert road["received"] is None and road["suppressed"] is True
    assert rows[("430104", "治安类警情", "110")]["received"] is None
    assert r.json()["total"] == 3
    text = consumer.get("/api/v1/analytics/open-data/counts", params={**RANGE, "format": "csv"}).text
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert {row["received"] for row in parsed} == {"7", ""}
    for secret in SECRETS:
        assert secret not in r.text and secret not in text


def test_unit_kpis_dataset_withholds_rates_on_small_denominators(
    as_role: Callable[..., TestClient], published: int
) -> None:
    r = as_role("data_consumer").get("/api/v1/analytics/open-data/unit_kpis", params=RANGE)
    assert r.status_code == 200, r.text
    (row,) = r.json()["items"]
    assert row["unit_name"] == "长沙市岳麓区城管局" and row["received"] == 9 and row["completed"] == 7
    assert row["satisfaction_rate"] == 1.0 and row["on_time_completion_rate"] == 1.0
    catalogue = as_role("data_consumer").get("/api/v1/analytics/open-data").json()
    assert {c["name"] for c in catalogue} == {"counts", "unit_kpis"} and catalogue[0]["rollup_built_at"]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/analytics/open-data/persons", RANGE),
        ("/api/v1/analytics/open-data/counts", {"from": "2026-13-01", "to": "2026-03-01"}),
        ("/api/v1/analytics/open-data/counts", {"from": "2020-01-01", "to": "2026-03-01"}),
        ("/api/v1/analytics/open-data/counts", {**RANGE, "format": "xml"}),
        ("/api/v1/analytics/open-data/counts", {**RANGE, "limit": 100_000}),
    ],
)
def test_bad_open_data_queries(
    as_role: Callable[..., TestClient], path: str, params: dict[str, object]
) -> None:
    assert as_role("data_consumer").get(path, params=params).status_code == 422


def test_bulk_files_csv_and_parquet(session: Session, published: int, tmp_path: Path) -> None:
    for fmt in ("csv", "parquet"):
        path = tmp_path / f"counts.{fmt}"
        n = opendata.write_file(
            session=session, name="counts", start=DAY - timedelta(days=3), end=DAY, path=path, fmt=fmt
        )
        assert n == 3
        raw = path.read_bytes()
        for secret in SECRETS:
            assert secret.encode() not in raw
    table = pq.read_table(tmp_path / "counts.parquet").to_pylist()
    assert sorted(r["received"] for r in table if r["received"] is not None) == [7]
    empty = tmp_path / "empty.parquet"
    assert (
        opendata.write_file(
            session=session,
            name="unit_kpis",
            start=DAY - timedelta(days=90),
            end=DAY - timedelta(days=60),
            path=empty,
            fmt="parquet",
        )
        == 0
    )
    assert pq.read_table(empty).num_rows == 0
