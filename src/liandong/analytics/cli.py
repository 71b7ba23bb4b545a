"""`liandong analytics ...`: rollups, open data bulk files, evaluation reports, evaluator export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")

app = typer.Typer(help="Analytics: KPI rollups, open data files, evaluation reports.", no_args_is_help=True)
console = Console()

From = Annotated[str, typer.Option("--from", help="first local day, YYYY-MM-DD")]
To = Annotated[str, typer.Option("--to", help="last local day, YYYY-MM-DD")]
Output = Annotated[Path, typer.Option("-o", "--output", help="file to write")]


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        console.print(f"[red]{name}: not a date (YYYY-MM-DD): {value!r}[/red]")
        raise typer.Exit(2) from None


def _factory() -> sessionmaker[Session]:
    from liandong.config import get_settings
    from liandong.database import create_db_engine, make_session_factory

    return make_session_factory(create_db_engine(get_settings().database_url))


def _run(action: Callable[[Session], T]) -> T:
    """Run an action with a session; a refused input is a clear message and exit code 2, nothing written."""
    from liandong.core.errors import DomainError

    with _factory()() as session:
        try:
            return action(session)
        except DomainError as exc:
            session.rollback()
            console.print(f"[red]refused:[/red] {exc.message}")
            raise typer.Exit(2) from None


@app.command("rollup")
def rollup_cmd(
    start: From,
    end: To,
    queue: Annotated[bool, typer.Option(help="queue outbox jobs instead of building now")] = False,
) -> None:
    """Rebuild the daily KPI rollups for a range of days (idempotent)."""
    from liandong.analytics import flows

    first, last = _day(start, "--from"), _day(end, "--to")
    if queue:
        n = _run(lambda s: flows.queue_rollups(session=s, start=first, end=last))
        console.print(f"{n} rollup job(s) queued")
        return
    n = _run(lambda s: flows.rebuild_rollups(session=s, start=first, end=last))
    console.print(f"{n} rollup row(s) written for {first}..{last}")


@app.command("open-data")
def open_data_cmd(
    dataset: Annotated[str, typer.Argument(help="counts | unit_kpis")],
    start: From,
    end: To,
    output: Output,
    fmt: Annotated[str, typer.Option("--format", help="csv | parquet")] = "csv",
) -> None:
    """Write an aggregated, de-identified dataset as a bulk file (cells under 5 suppressed)."""
    from liandong.analytics import opendata

    first, last = _day(start, "--from"), _day(end, "--to")
    n = _run(
        lambda s: opendata.write_file(session=s, name=dataset, start=first, end=last, path=output, fmt=fmt)
    )
    console.print(f"{n} row(s) written to {output}")


@app.command("report")
def report_cmd(
    platform: Annotated[str, typer.Option(help="12345 | 110")],
    start: From,
    end: To,
    output: Output,
    fmt: Annotated[str, typer.Option("--format", help="html | pdf | json")] = "html",
    config: Annotated[Path | None, typer.Option(help="index system YAML/JSON")] = None,
    unit_id: Annotated[int | None, typer.Option(min=1)] = None,
) -> None:
    """Write the periodic evaluation report (评估报告) as HTML, PDF or JSON."""
    import json

    from pydantic import ValidationError

    from liandong.analytics import report
    from liandong.analytics.schemas import EvaluationRequest

    text = config.read_text(encoding="utf-8") if config else None
    try:
        req = EvaluationRequest(
            platform=platform, start=_day(start, "--from"), end=_day(end, "--to"), unit_id=unit_id,
            config=text, format=fmt,
        )  # fmt: skip
    except ValidationError as exc:
        console.print(f"[red]refused:[/red] {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}")
        raise typer.Exit(2) from None
    data = _run(lambda s: report.build(session=s, req=req))
    if fmt == "pdf":
        output.write_bytes(report.to_pdf(data))
    elif fmt == "json":
        output.write_text(json.dumps(report.to_json(data), ensure_ascii=False, indent=2), encoding="utf-8")
    else:
        output.write_text(report.to_html(data), encoding="utf-8")
    console.print(f"{data.report.system}: {data.report.total} ({data.report.grade}) -> {output}")


@app.command("evaluator-export")
def evaluator_export_cmd(
    platform: Annotated[str, typer.Option(help="12345 | 110")],
    start: From,
    end: To,
    output: Output,
    fmt: Annotated[str, typer.Option("--format", help="csv | jsonl")] = "csv",
) -> None:
    """De-identified records for third-party evaluators (pseudonymous ids, county level, no texts)."""
    from liandong.analytics import report

    if fmt not in ("csv", "jsonl"):
        console.print("[red]--format must be csv or jsonl[/red]")
        raise typer.Exit(2)
    first, last = _day(start, "--from"), _day(end, "--to")
    rows = _run(lambda s: report.evaluator_rows(session=s, platform=platform, start=first, end=last))
    output.write_text(report.rows_to_text(rows, fmt), encoding="utf-8")
    console.print(f"{len(rows)} record(s) written to {output}")
