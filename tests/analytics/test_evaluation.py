"""Evaluation index system: scoring, missing KPIs, grades, default systems, config validation."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liandong.analytics.evaluation import (
    DEFAULT_110,
    DEFAULT_12345,
    DEFAULT_SYSTEMS,
    IndexDef,
    dump_index_system,
    evaluate,
    grade,
    load_index_system,
    score_index,
)
from liandong.core.errors import InvalidInput

YAML_SYSTEM = """
name: 某市12345考核
platform: "12345"
indices:
  - {key: answer_rate, name: 接通率, weight: 60, target: 0.9, floor: 0.6}
  - {key: reopen_rate, name: 重办率, weight: 40, target: 0.05, floor: 0.25, direction: lower}
"""


def test_score_index_linear_and_threshold() -> None:
    higher = IndexDef(key="answer_rate", name="接通率", weight=1, target=0.9, floor=0.6)
    assert score_index(higher, 0.95) == 100
    assert score_index(higher, 0.75) == pytest.approx(50)
    assert score_index(higher, 0.5) == 0
    lower = IndexDef(key="reopen_rate", name="重办率", weight=1, target=0.05, floor=0.25, direction="lower")
    assert score_index(lower, 0.01) == 100
    assert score_index(lower, 0.15) == pytest.approx(50)
    assert score_index(lower, 0.4) == 0
    gate = IndexDef(key="x", name="x", weight=1, target=0.9, floor=0.0, scoring="threshold")
    assert score_index(gate, 0.89) == 0 and score_index(gate, 0.9) == 100


def test_evaluate_weights_and_grade() -> None:
    system = load_index_system(YAML_SYSTEM)
    report = evaluate(
        system=system, kpis={"answer_rate": 0.75, "reopen_rate": 0.01}, subject="全市", period="2024-08"
    )
    assert report.total == pytest.approx(0.6 * 50 + 0.4 * 100)
    assert report.grade == "合格"
    assert [r.contribution for r in report.indices] == [30.0, 40.0]
    assert report.missing == []


def test_missing_kpis_are_listed_and_weights_renormalised() -> None:
    system = load_index_system(YAML_SYSTEM)
    report = evaluate(system=system, kpis={"answer_rate": 0.95}, subject="某区", period="2024-08")
    assert report.total == 100 and report.grade == "优秀"
    assert report.missing == ["reopen_rate"]
    empty = evaluate(system=system, kpis={}, subject="某区", period="2024-08")
    assert empty.total is None and empty.grade == "无法评价"


def test_default_systems_score_a_good_and_a_bad_platform() -> None:
    assert set(DEFAULT_SYSTEMS) == {"12345", "110"}
    good = {i.key: i.target for i in DEFAULT_12345.indices}
    assert evaluate(system=DEFAULT_12345, kpis=good, subject="x", period="p").total == 100
    bad = {i.key: i.floor for i in DEFAULT_110.indices}
    report = evaluate(system=DEFAULT_110, kpis=bad, subject="x", period="p")
    assert report.total == 0 and report.grade == "不合格"
    assert math.isclose(sum(i.weight for i in DEFAULT_12345.indices), 100)
    assert math.isclose(sum(i.weight for i in DEFAULT_110.indices), 100)


def test_dump_and_load_round_trip() -> None:
    text = dump_index_system(DEFAULT_110)
    assert load_index_system(text) == DEFAULT_110
    assert load_index_system(text.encode()) == DEFAULT_110


@settings(max_examples=50, deadline=None)
@given(values=st.lists(st.floats(0, 1), min_size=8, max_size=8))
def test_total_is_within_0_and_100(values: list[float]) -> None:
    kpis = {i.key: v for i, v in zip(DEFAULT_12345.indices, values, strict=True)}
    total = evaluate(system=DEFAULT_12345, kpis=kpis, subject="x", period="p").total
    assert total is not None and 0 <= total <= 100
    assert grade(total) in {"优秀", "良好", "合格", "不合格"}


@pytest.mark.parametrize(
    "config",
    [
        "name: x\nplatform: '119'\nindices: [{key: a, name: a, weight: 1, target: 1, floor: 0}]",
        "name: x\nplatform: '110'\nindices: []",
        "name: x\nplatform: '110'\nindices: [{key: a, name: a, weight: 0, target: 1, floor: 0}]",
        "name: x\nplatform: '110'\nindices: [{key: a, name: a, weight: 1, target: 0.5, floor: 0.9}]",
        "name: x\nplatform: '110'\nindices: [{key: a, name: a, weight: 1, target: 0.5, floor: 0.1,"
        " direction: lower}]",
        "name: x\nplatform: '110'\nindices: [{key: a, name: a, weight: 1, target: .nan, floor: 0}]",
        "name: x\nplatform: '110'\nindices: [{key: a, name: a, weight: 1, target: 1, floor: 0, extra: 1}]",
        "name: x\nplatform: '110'\nindices: [{key: 'A b', name: a, weight: 1, target: 1, floor: 0}]",
        "name: x\nplatform: '110'\nindices: [{key: a, name: a, weight: 1, target: 1, floor: 0},"
        " {key: a, name: b, weight: 1, target: 1, floor: 0}]",
        "- just\n- a list",
        "name: [unclosed",
        "!!python/object/apply:os.system ['echo hacked']",
        "x" * (300 * 1024),
        b"\xff\xfe",
    ],
)
def test_bad_configs_are_refused(config: str | bytes) -> None:
    with pytest.raises(InvalidInput) as err:
        load_index_system(config)
    assert err.value.field == "config"


@pytest.mark.parametrize("value", [math.nan, math.inf, "0.9", True])
def test_bad_kpi_values_are_refused(value: object) -> None:
    with pytest.raises(InvalidInput) as err:
        evaluate(system=DEFAULT_12345, kpis={"answer_rate": value}, subject="x", period="p")  # type: ignore[dict-item]
    assert err.value.field == "kpis.answer_rate"
