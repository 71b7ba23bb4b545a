"""Evaluation index system (评估指标体系, policy 三, 四) for 12345 and 110: weighted indices, scores."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from liandong.core.errors import InvalidInput

MAX_CONFIG_BYTES = 256 * 1024


class IndexDef(BaseModel):
    """One index: the KPI it reads, its weight, and how a value maps to a 0-100 score."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    name: str = Field(min_length=1, max_length=64)
    weight: float = Field(gt=0, le=100, allow_inf_nan=False)
    direction: Literal["higher", "lower"] = "higher"
    target: float = Field(allow_inf_nan=False)
    floor: float = Field(allow_inf_nan=False)
    scoring: Literal["linear", "threshold"] = "linear"

    @model_validator(mode="after")
    def _ordered(self) -> IndexDef:
        # The floor is the worst value still worth 0; it must lie on the bad side of the target.
        if self.direction == "higher" and not self.floor < self.target:
            raise ValueError(f"{self.key}: floor must be below target when higher is better")
        if self.direction == "lower" and not self.floor > self.target:
            raise ValueError(f"{self.key}: floor must be above target when lower is better")
        return self


class IndexSystem(BaseModel):
    """A named set of weighted indices for one platform."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100)
    platform: Literal["12345", "110"]
    indices: list[IndexDef] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _unique(self) -> IndexSystem:
        keys = [i.key for i in self.indices]
        if len(keys) != len(set(keys)):
            raise ValueError("index keys must be unique")
        return self


def score_index(index: IndexDef, value: float) -> float:
    """0-100 score of one value: full at the target, zero at the floor, linear in between (or pass/fail)."""
    good = value >= index.target if index.direction == "higher" else value <= index.target
    if index.scoring == "threshold" or good:
        return 100.0 if good else 0.0
    share = (value - index.floor) / (index.target - index.floor)
    return round(100.0 * min(1.0, max(0.0, share)), 2)


@dataclass(frozen=True, slots=True)
class IndexResult:
    """Score of one index in a report."""

    key: str
    name: str
    value: float | None
    score: float | None
    weight: float
    contribution: float


@dataclass(frozen=True, slots=True)
class EvaluationReport:
    """Weighted score of one evaluated subject (a platform, unit or region) over one period."""

    system: str
    platform: str
    subject: str
    period: str
    total: float | None
    grade: str
    indices: list[IndexResult] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def grade(total: float | None) -> str:
    """Grade band of a total score."""
    if total is None:
        return "无法评价"
    if total >= 90:
        return "优秀"
    if total >= 80:
        return "良好"
    if total >= 60:
        return "合格"
    return "不合格"


def evaluate(
    *, system: IndexSystem, kpis: Mapping[str, float | None], subject: str, period: str
) -> EvaluationReport:
    """Score KPI values against the index system; missing KPIs are listed and the weights re-normalised."""
    results: list[IndexResult] = []
    missing: list[str] = []
    scored: list[tuple[float, float]] = []
    for index in system.indices:
        raw = kpis.get(index.key)
        if raw is None:
            missing.append(index.key)
            results.append(IndexResult(index.key, index.name, None, None, index.weight, 0.0))
            continue
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
            raise InvalidInput(f"kpis.{index.key}", f"must be a finite number, got {raw!r}")
        s = score_index(index, float(raw))
        scored.append((index.weight, s))
        results.append(IndexResult(index.key, index.name, float(raw), s, index.weight, 0.0))
    weight_sum = sum(w for w, _ in scored)
    total = round(sum(w * s for w, s in scored) / weight_sum, 2) if weight_sum else None
    final = [
        IndexResult(r.key, r.name, r.value, r.score, r.weight, round(r.weight * r.score / weight_sum, 2))
        if r.score is not None and weight_sum
        else r
        for r in results
    ]
    return EvaluationReport(
        system.name, system.platform, subject, period, total, grade(total), final, missing
    )


def load_index_system(source: str | bytes | Mapping[str, Any]) -> IndexSystem:
    """Validate an index system given as YAML or JSON text, or as an already parsed mapping."""
    if isinstance(source, bytes | str):
        raw = source.encode("utf-8", errors="replace") if isinstance(source, str) else source
        if len(raw) > MAX_CONFIG_BYTES:
            raise InvalidInput("config", f"larger than {MAX_CONFIG_BYTES} bytes")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput("config", "not UTF-8 text") from exc
        try:
            # JSON is a subset of YAML 1.2 in practice; safe_load never builds arbitrary objects.
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InvalidInput("config", f"not valid YAML/JSON: {exc}") from exc
    else:
        data = source
    if not isinstance(data, Mapping):
        raise InvalidInput("config", "must be a mapping with name, platform and indices")
    try:
        return IndexSystem.model_validate(dict(data))
    except ValidationError as exc:
        raise InvalidInput("config", exc.errors(include_url=False, include_input=False).__repr__()) from exc


def dump_index_system(system: IndexSystem) -> str:
    """JSON text of an index system, readable back by load_index_system."""
    return json.dumps(system.model_dump(), ensure_ascii=False, indent=2)


def _idx(key: str, name: str, weight: float, target: float, floor: float, direction: str = "higher") -> dict:
    return {
        "key": key,
        "name": name,
        "weight": weight,
        "target": target,
        "floor": floor,
        "direction": direction,
    }


# Defaults a deployment may replace; KPI values are rates in [0, 1] under the keys the KPI rollups use.
DEFAULT_12345 = load_index_system(
    {
        "name": "12345热线评价指标（默认）",
        "platform": "12345",
        "indices": [
            _idx("answer_rate", "接通率", 15, 0.95, 0.6),
            _idx("answered_within_15s_rate", "15秒接通率", 10, 0.9, 0.5),
            _idx("response_rate", "响应率", 10, 0.98, 0.7),
            _idx("on_time_completion_rate", "按时办结率", 15, 0.95, 0.6),
            _idx("resolution_rate", "解决率", 20, 0.9, 0.5),
            _idx("satisfaction_rate", "满意率", 20, 0.9, 0.5),
            _idx("reopen_rate", "重复诉求（重办）率", 5, 0.05, 0.3, "lower"),
            _idx("transfer_refusal_rate", "转办退回率", 5, 0.05, 0.3, "lower"),
        ],
    }
)

DEFAULT_110 = load_index_system(
    {
        "name": "110接处警评价指标（默认）",
        "platform": "110",
        "indices": [
            _idx("answer_rate", "接通率", 20, 0.99, 0.8),
            _idx("answered_within_15s_rate", "15秒接通率", 20, 0.95, 0.6),
            _idx("response_rate", "响应率", 15, 0.99, 0.8),
            _idx("on_time_completion_rate", "按时处警率", 10, 0.95, 0.6),
            _idx("resolution_rate", "处置率", 10, 0.9, 0.5),
            _idx("satisfaction_rate", "满意率", 15, 0.9, 0.5),
            _idx("transfer_refusal_rate", "非警务转办退回率", 10, 0.05, 0.3, "lower"),
        ],
    }
)

DEFAULT_SYSTEMS: dict[str, IndexSystem] = {"12345": DEFAULT_12345, "110": DEFAULT_110}
