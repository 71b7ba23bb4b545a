"""Batch triage CLI (mounted by the lead as `liandong triage ...`)."""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from liandong.triage.engine import Triager
from liandong.triage.evaluate import format_report, looks_like_platforms, report
from liandong.triage.model import CategoryModel, ModelError
from liandong.triage.train import DEFAULT_C, DEFAULT_MAX_FEATURES, TrainingError, fit, prepare

app = typer.Typer(help="Triage: route requests to 12345 / 110 / 119 / 120 / 122 / utility / out of scope.")

_MAX_FIELD = 1_000_000


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


def _read_rows(path: Path, columns: list[str]) -> list[dict[str, str]]:
    """All rows of a UTF-8 CSV, refusing a missing file or column with a clear message."""
    csv.field_size_limit(_MAX_FIELD)
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            missing = [c for c in columns if c not in header]
            if missing:
                raise _fail(
                    f"{path}: no column {', '.join(missing)} (columns: {', '.join(header) or 'none'})"
                )
            return [
                {k: (v if isinstance(v, str) else "") for k, v in row.items() if k is not None}
                for row in reader
            ]
    except FileNotFoundError as exc:
        raise _fail(f"{path}: file not found") from exc
    except IsADirectoryError as exc:
        raise _fail(f"{path}: is a directory") from exc
    except PermissionError as exc:
        raise _fail(f"{path}: permission denied") from exc
    except UnicodeDecodeError as exc:
        raise _fail(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except csv.Error as exc:
        raise _fail(f"{path}: malformed CSV: {exc}") from exc


def _triager(model_path: Path | None) -> Triager:
    try:
        return Triager(model=CategoryModel.load(model_path) if model_path else None)
    except ModelError as exc:
        raise _fail(str(exc)) from exc


@app.command()
def classify(
    input: Annotated[Path, typer.Option("--input", help="CSV file with a text column")],
    output: Annotated[
        Path, typer.Option("--output", help="JSONL file: one decision per input row, in order")
    ],
    text_column: Annotated[str, typer.Option("--text-column")] = "text",
    model: Annotated[Path | None, typer.Option("--model", help="category model (default: shipped)")] = None,
) -> None:
    """Triage every row of a CSV and write one JSON object per row (written whole or not at all)."""
    rows = _read_rows(input, [text_column])
    triager = _triager(model)
    decisions = triager.triage_many(row.get(text_column, "") for row in rows)
    # Write to a temporary file in the same folder and rename: a failure leaves no partial output.
    target = output.resolve()
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise _fail(f"{output}: cannot write: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            for d in decisions:
                f.write(json.dumps(d.contract(), ensure_ascii=False) + "\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    typer.echo(f"{len(decisions)} rows -> {output}", err=True)


@app.command("eval")
def evaluate(
    data: Annotated[Path, typer.Option("--data", help="CSV with text and label columns")],
    text_column: Annotated[str, typer.Option("--text-column")] = "text",
    label_column: Annotated[str, typer.Option("--label-column")] = "label",
    model: Annotated[Path | None, typer.Option("--model")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the figures as one JSON line")] = False,
) -> None:
    """Accuracy, macro-F1, per-class figures and confusion; platform labels evaluate routing, others category."""
    rows = _read_rows(data, [text_column, label_column])
    if not rows:
        raise _fail(f"{data}: no rows")
    truth = [row[label_column].strip() for row in rows]
    decisions = _triager(model).triage_many(row[text_column] for row in rows)
    if looks_like_platforms(truth):
        predicted, target = [d.platform.value for d in decisions], "platform"
    else:
        predicted, target = [d.category or "" for d in decisions], "category"
    figures = {"target": target, **report(truth=truth, predicted=predicted)}
    if as_json:
        typer.echo(json.dumps(figures, ensure_ascii=False))
    else:
        typer.echo(f"evaluating {target}")
        typer.echo(format_report(figures))


@app.command()
def train(
    data: Annotated[Path, typer.Option("--data", help="CSV of a deployment's labelled history")],
    output: Annotated[Path, typer.Option("--output", help="where to write the model (.joblib)")],
    text_column: Annotated[str, typer.Option("--text-column")] = "text",
    label_column: Annotated[str, typer.Option("--label-column")] = "label",
    c: Annotated[float, typer.Option("--c", help="inverse regularisation strength")] = DEFAULT_C,
    max_features: Annotated[int, typer.Option("--max-features")] = DEFAULT_MAX_FEATURES,
) -> None:
    """Train a category model from labelled work orders; rows with an empty text or label are skipped."""
    rows = _read_rows(data, [text_column, label_column])
    pairs = [
        (r[text_column], r[label_column].strip())
        for r in rows
        if r[text_column].strip() and r[label_column].strip()
    ]
    if not pairs:
        raise _fail(f"{data}: no rows with both text and label")
    try:
        model = fit(
            texts=prepare([t for t, _ in pairs]),
            labels=[y for _, y in pairs],
            c=c,
            max_features=max_features,
            meta={"source": str(data.name)},
        )
    except TrainingError as exc:
        raise _fail(str(exc)) from exc
    except ValueError as exc:
        raise _fail(f"cannot train: {exc}") from exc
    try:
        model.save(output)
    except OSError as exc:
        raise _fail(f"{output}: cannot write: {exc.strerror}") from exc
    typer.echo(f"trained on {len(pairs)} rows, {len(model.classes)} classes -> {output}", err=True)


def main() -> None:  # pragma: no cover - convenience entry point
    """Run the sub-app standalone."""
    app(sys.argv[1:])
