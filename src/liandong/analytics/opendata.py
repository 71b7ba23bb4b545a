"""Open data (开放数据): aggregated, de-identified datasets with small-count suppression, as JSON, CSV, Parquet.

Only rollup counts leave through here: no record ids, texts, names, phones or addresses below county level.
A count from 1 to 4 is suppressed (published as empty with `suppressed` true) so nobody can be singled out;
a rate is suppressed when its denominator is below 5.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liandong.analytics.models import KpiDaily
from liandong.analytics.rollup import check_range, latest_built, sql_const
from liandong.core.errors import InvalidInput
from liandong.reference.models import Organisation

MIN_CELL = 5
PAGE = 5000


@dataclass(frozen=True, slots=True)
class Dataset:
    """A published dataset: its columns and what each row means."""

    name: str
    title: str
    description: str
    columns: tuple[str, ...]


DATASETS: dict[str, Dataset] = {
    "counts": Dataset(
        "counts",
        "诉求与警情数量（日 × 区县 × 类别 × 平台）",
        "Requests received and completed per local day, county, category and platform (12345 orders, 110 incidents).",
        ("day", "adcode", "category", "platform", "received", "completed", "suppressed"),
    ),
    "unit_kpis": Dataset(
        "unit_kpis",
        "承办单位办理情况（月 × 单位 × 平台）",
        "Per month and handling unit: orders received and completed, on-time completion and satisfaction rates.",
        (
            "month",
            "unit_id",
            "unit_name",
            "platform",
            "received",
            "completed",
            "on_time_completion_rate",
            "satisfaction_rate",
            "suppressed",
        ),
    ),
}


def _suppress(value: int) -> tuple[int | None, bool]:
    return (None, True) if 0 < value < MIN_CELL else (value, False)


def _rate(num: int, den: int) -> tuple[float | None, bool]:
    return (None, True) if den < MIN_CELL else (round(num / den, 4), False)


def dataset(name: str) -> Dataset:
    if name not in DATASETS:
        raise InvalidInput("dataset", f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    return DATASETS[name]


def _counts_stmt(start: date, end: date) -> Any:
    k = KpiDaily
    return (
        select(k.day, k.adcode, k.category, k.platform, func.sum(k.received), func.sum(k.completed))
        .where(k.day >= start, k.day <= end, k.category != "")
        .group_by(k.day, k.adcode, k.category, k.platform)
        .having(func.sum(k.received) + func.sum(k.completed) > 0)
        .order_by(k.day, k.adcode, k.category, k.platform)
    )


def _month(session: Session) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(KpiDaily.day, sql_const("'YYYY-MM'"))
    return func.substr(KpiDaily.day, sql_const("1"), sql_const("7"))


def _unit_stmt(session: Session, start: date, end: date) -> Any:
    k = KpiDaily
    month = _month(session)
    return (
        select(month, k.unit_id, Organisation.name, k.platform, func.sum(k.received), func.sum(k.completed),
               func.sum(k.completed_on_time), func.sum(k.visited), func.sum(k.satisfied))
        .join(Organisation, Organisation.id == k.unit_id)
        .where(k.day >= start, k.day <= end, k.unit_id != 0)
        .group_by(month, k.unit_id, Organisation.name, k.platform)
        .order_by(month, k.unit_id, k.platform)
    )  # fmt: skip


def _to_row(name: str, raw: Any) -> dict[str, Any]:
    if name == "counts":
        day, adcode, category, platform, received, completed = raw
        r, s1 = _suppress(int(received or 0))
        c, s2 = _suppress(int(completed or 0))
        return {
            "day": str(day)[:10], "adcode": adcode or "未知", "category": category, "platform": platform,
            "received": r, "completed": c, "suppressed": s1 or s2,
        }  # fmt: skip
    month, unit_id, unit_name, platform, received, completed, on_time, visited, satisfied = raw
    r, s1 = _suppress(int(received or 0))
    c, s2 = _suppress(int(completed or 0))
    ot, s3 = _rate(int(on_time or 0), int(completed or 0))
    sat, s4 = _rate(int(satisfied or 0), int(visited or 0))
    return {
        "month": str(month)[:7], "unit_id": unit_id, "unit_name": unit_name, "platform": platform,
        "received": r, "completed": c, "on_time_completion_rate": ot, "satisfaction_rate": sat,
        "suppressed": s1 or s2 or s3 or s4,
    }  # fmt: skip


def _stmt(session: Session, name: str, start: date, end: date) -> Any:
    dataset(name)
    check_range(start, end)
    return _counts_stmt(start, end) if name == "counts" else _unit_stmt(session, start, end)


def page(
    *, session: Session, name: str, start: date, end: date, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of a dataset and the total row count."""
    stmt = _stmt(session, name, start, end)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = [_to_row(name, r) for r in session.execute(stmt.limit(limit).offset(offset))]
    return rows, total


def iter_rows(*, session: Session, name: str, start: date, end: date) -> Iterator[dict[str, Any]]:
    """Every row of a dataset, streamed from the database."""
    stmt = _stmt(session, name, start, end)
    for raw in session.execute(stmt.execution_options(yield_per=PAGE)):
        yield _to_row(name, raw)


def to_csv(rows: Iterator[dict[str, Any]] | list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    """CSV text with a header; suppressed cells are empty."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return buf.getvalue()


def write_file(*, session: Session, name: str, start: date, end: date, path: Path, fmt: str) -> int:
    """Write a bulk file (csv or parquet) of the whole dataset; returns the row count."""
    ds = dataset(name)
    rows = list(iter_rows(session=session, name=name, start=start, end=end))
    if fmt == "csv":
        path.write_text(to_csv(rows, ds.columns), encoding="utf-8")
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = (
            pa.Table.from_pylist(rows)
            if rows
            else pa.table({c: pa.array([], pa.string()) for c in ds.columns})
        )
        pq.write_table(table, path)
    else:
        raise InvalidInput("format", "must be csv or parquet")
    return len(rows)


def catalogue(*, session: Session) -> list[dict[str, Any]]:
    """The datasets on offer with the lineage a consumer needs to trace them (source, build time, rule)."""
    built = latest_built(session)
    return [
        {
            "name": ds.name, "title": ds.title, "description": ds.description, "columns": list(ds.columns),
            "source": "kpi_daily rollups (docs/kpis.md)", "rollup_built_at": built.isoformat() if built else None,
            "suppression": f"counts 1-{MIN_CELL - 1} and rates with a denominator under {MIN_CELL} are withheld",
            "formats": ["json", "csv", "parquet (bulk file)"],
        }
        for ds in DATASETS.values()
    ]  # fmt: skip
