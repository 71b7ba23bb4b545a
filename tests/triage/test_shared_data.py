"""Smoke tests on the shared real data (skipped where it is absent); figures live in bench/triage.py."""

import csv
from pathlib import Path

from liandong.triage import Triager
from liandong.triage.enums import EMERGENCY_PLATFORMS


def test_real_police_texts_are_routed_to_emergency_lines(triager: Triager, shared_data: Path) -> None:
    with (shared_data / "emergency" / "dev_police_emergency.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))[:40]
    routed = [triager.triage(r["text"]).platform in EMERGENCY_PLATFORMS for r in rows]
    assert sum(routed) >= len(rows) - 1


def test_real_citizen_messages_get_a_category(triager: Triager, shared_data: Path) -> None:
    with (shared_data / "teddy2020" / "dev_raw.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))[:40]
    decisions = triager.triage_many(r["text"] for r in rows)
    assert all(d.category in triager.model.classes for d in decisions)
    assert sum(d.category == r["label"] for d, r in zip(decisions, rows, strict=True)) >= 30
