"""Bulk export and import (CSV and JSONL); imports are all-or-nothing."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from liandong.core.errors import DomainError
from liandong.incident.models import PoliceIncident
from liandong.incident.schemas import IncidentRead
from liandong.intake import service as requests
from liandong.intake.models import ServiceRequest
from liandong.intake.schemas import RequestCreate, RequestRead
from liandong.workorder.models import WorkOrder
from liandong.workorder.schemas import WorkOrderRead

EXPORTS: dict[str, tuple[type[Any], type[BaseModel]]] = {
    "requests": (ServiceRequest, RequestRead),
    "work-orders": (WorkOrder, WorkOrderRead),
    "incidents": (PoliceIncident, IncidentRead),
}
MAX_ERRORS_REPORTED = 20


class BulkError(Exception):
    """An import refused as a whole, with the rows and fields at fault."""


def _rows(session: Session, kind: str) -> Iterator[dict[str, Any]]:
    model, read = EXPORTS[kind]
    for obj in session.scalars(select(model).order_by(model.id).execution_options(yield_per=1000)):
        yield read.model_validate(obj).model_dump(mode="json", exclude={"attachments", "allowed_actions"})


def export_records(*, session: Session, kind: str, output: Path, fmt: str) -> int:
    if kind not in EXPORTS:
        raise BulkError(f"unknown kind '{kind}'; choose one of {', '.join(EXPORTS)}")
    if fmt not in ("jsonl", "csv"):
        raise BulkError("format must be jsonl or csv")
    count = 0
    with output.open("w", encoding="utf-8", newline="") as fh:
        writer: csv.DictWriter[str] | None = None
        for row in _rows(session, kind):
            if fmt == "jsonl":
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            else:
                flat = {
                    k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
                    for k, v in row.items()
                }
                if writer is None:
                    writer = csv.DictWriter(fh, fieldnames=list(flat))
                    writer.writeheader()
                writer.writerow(flat)
            count += 1
    return count


def _read_source(source: Path) -> Iterator[tuple[int, Any]]:
    with source.open(encoding="utf-8-sig", newline="") as fh:
        if source.suffix.lower() == ".csv":
            for line_no, row in enumerate(csv.DictReader(fh), start=2):
                yield line_no, {k: v for k, v in row.items() if k is not None and v not in ("", None)}
        else:
            for line_no, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    yield line_no, json.loads(line)
                except json.JSONDecodeError as exc:
                    yield line_no, exc


def import_records(*, session: Session, kind: str, source: Path, actor: str) -> int:
    """Validate every row, then create them all in one transaction; any bad row refuses the whole file."""
    if kind != "requests":
        raise BulkError("only requests can be imported; work orders and incidents are created by the flows")
    valid: list[RequestCreate] = []
    problems: list[str] = []
    try:
        for line_no, doc in _read_source(source):
            if isinstance(doc, Exception):
                problems.append(f"line {line_no}: malformed JSON ({doc})")
                continue
            if not isinstance(doc, dict):
                problems.append(f"line {line_no}: expected an object")
                continue
            try:
                valid.append(RequestCreate.model_validate(doc))
            except ValidationError as exc:
                err = exc.errors()[0]
                field = ".".join(str(p) for p in err["loc"]) or "row"
                problems.append(f"line {line_no}: {field}: {err['msg']}")
    except UnicodeDecodeError:
        raise BulkError("the file is not UTF-8 text") from None
    if problems:
        more = (
            f" (and {len(problems) - MAX_ERRORS_REPORTED} more)"
            if len(problems) > MAX_ERRORS_REPORTED
            else ""
        )
        raise BulkError("; ".join(problems[:MAX_ERRORS_REPORTED]) + more)
    try:
        for data in valid:
            requests.create(session=session, data=data, actor=actor)
    except DomainError as exc:
        session.rollback()
        raise BulkError(exc.message) from None
    session.commit()
    return len(valid)
