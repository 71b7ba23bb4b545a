"""Fused hotspots over 12345 orders and 110 incidents: region x category x day vs its own EWMA."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
from scipy.stats import poisson

from liandong.analytics.forecast import local_time
from liandong.core.errors import InvalidInput

UNKNOWN = "未知"
MAX_LOOKBACK_DAYS = 366


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One 12345 work order or 110 incident as the hotspot scan sees it."""

    id: str
    platform: str
    region: str
    category: str
    occurred_at: datetime
    text: str = ""


@dataclass(frozen=True, slots=True)
class HotspotAlert:
    """A significant rise of one region x category on one day, with example records to read."""

    day: date
    region: str
    category: str
    count: int
    expected: float
    p_value: float
    score: float
    by_platform: dict[str, int] = field(default_factory=dict)
    example_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Per-series test of the last column of a count matrix against the EWMA of the earlier columns."""

    count: np.ndarray
    expected: np.ndarray
    p_value: np.ndarray
    significant: np.ndarray


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def benjamini_hochberg(p_values: np.ndarray, alpha: float) -> np.ndarray:
    """Mask of hypotheses rejected at false discovery rate alpha."""
    p = np.asarray(p_values, dtype=float)
    m = p.size
    if m == 0:
        return np.zeros(0, dtype=bool)
    order = np.argsort(p)
    thresholds = alpha * np.arange(1, m + 1) / m
    passed = p[order] <= thresholds
    mask = np.zeros(m, dtype=bool)
    if passed.any():
        last = int(np.nonzero(passed)[0].max())
        mask[order[: last + 1]] = True
    return mask


def ewma_poisson_scan(
    counts: np.ndarray,
    *,
    smoothing: float = 0.3,
    alpha: float = 0.01,
    min_count: int = 3,
    min_expected: float = 0.5,
    correction: str = "bh",
) -> ScanResult:
    """Test each row's last count under Poisson(EWMA of earlier counts); rows are series, columns days."""
    matrix = np.asarray(counts, dtype=float)
    if matrix.ndim != 2 or matrix.shape[1] < 2:
        raise InvalidInput("counts", "need a 2-D array with at least one baseline day and the day tested")
    if not np.isfinite(matrix).all() or (matrix < 0).any():
        raise InvalidInput("counts", "counts must be finite and non-negative")
    if not _number(smoothing) or not 0 < smoothing <= 1:
        raise InvalidInput("smoothing", "must be in (0, 1]")
    if not _number(alpha) or not 0 < alpha < 1:
        raise InvalidInput("alpha", "must be in (0, 1)")
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
        raise InvalidInput("min_count", "must be a positive integer")
    if not _number(min_expected) or not 0 < min_expected < 1e6:
        raise InvalidInput("min_expected", "must be a positive number")
    if correction not in ("bh", "fixed"):
        raise InvalidInput("correction", "must be 'bh' (Benjamini-Hochberg) or 'fixed'")
    baseline = matrix[:, :-1]
    ewma = baseline[:, 0].copy()
    for col in range(1, baseline.shape[1]):
        ewma = smoothing * baseline[:, col] + (1 - smoothing) * ewma
    # A series never seen before has EWMA 0; the floor stops one record from looking infinitely surprising.
    expected = np.maximum(ewma, min_expected)
    today = matrix[:, -1]
    p_value = poisson.sf(today - 1, expected)
    eligible = (today >= min_count) & (today > expected)
    tested = np.where(eligible, p_value, 1.0)
    if correction == "bh":
        significant = benjamini_hochberg(tested[eligible], alpha)
        mask = np.zeros(today.size, dtype=bool)
        mask[np.nonzero(eligible)[0]] = significant
    else:
        mask = eligible & (p_value <= alpha)
    return ScanResult(count=today, expected=expected, p_value=p_value, significant=mask)


def _key(value: str) -> str:
    value = (value or "").strip()
    return value or UNKNOWN


def detect_hotspots(
    *,
    records: Iterable[EventRecord],
    day: date,
    lookback_days: int = 28,
    smoothing: float = 0.3,
    alpha: float = 0.01,
    min_count: int = 3,
    correction: str = "bh",
    max_examples: int = 5,
) -> list[HotspotAlert]:
    """Alerts for region x category series whose count on `day` rises significantly above their baseline."""
    if isinstance(day, datetime) or not isinstance(day, date):
        raise InvalidInput("day", "must be a date")
    if isinstance(lookback_days, bool) or not isinstance(lookback_days, int):
        raise InvalidInput("lookback_days", "must be an integer")
    if not 1 <= lookback_days <= MAX_LOOKBACK_DAYS:
        raise InvalidInput("lookback_days", f"must be in 1..{MAX_LOOKBACK_DAYS}")
    first = day - timedelta(days=lookback_days)
    index: dict[tuple[str, str], int] = {}
    rows: list[np.ndarray] = []
    platforms: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    examples: dict[tuple[str, str], list[str]] = defaultdict(list)
    for rec in records:
        if not isinstance(rec, EventRecord):
            raise InvalidInput("records", f"expected EventRecord, got {type(rec).__name__}")
        local_day = local_time(rec.occurred_at).date()
        if not first <= local_day <= day:
            continue
        key = (_key(rec.region), _key(rec.category))
        if key not in index:
            index[key] = len(rows)
            rows.append(np.zeros(lookback_days + 1))
        rows[index[key]][(local_day - first).days] += 1
        if local_day == day:
            platforms[key][rec.platform] += 1
            if len(examples[key]) < max_examples:
                examples[key].append(rec.id)
    if not rows:
        return []
    keys = list(index)
    result = ewma_poisson_scan(
        np.vstack(rows), smoothing=smoothing, alpha=alpha, min_count=min_count, correction=correction
    )
    alerts = []
    for i in np.nonzero(result.significant)[0]:
        region, category = keys[i]
        p = float(result.p_value[i])
        alerts.append(
            HotspotAlert(
                day=day,
                region=region,
                category=category,
                count=int(result.count[i]),
                expected=round(float(result.expected[i]), 3),
                p_value=p,
                # -log10 p reads as "how surprising"; capped so a p of 0.0 does not become infinity.
                score=round(min(-math.log10(max(p, 1e-300)), 300.0), 3),
                by_platform=dict(platforms[keys[i]]),
                example_ids=list(examples[keys[i]]),
            )
        )
    alerts.sort(key=lambda a: (-a.score, a.region, a.category))
    return alerts


def scan_days(
    *, records: Sequence[EventRecord], start: date, end: date, **options: object
) -> dict[date, list[HotspotAlert]]:
    """Run the daily detection over each day from start to end inclusive (for backfills and reports)."""
    if end < start:
        raise InvalidInput("end", "must not be before start")
    if (end - start).days > MAX_LOOKBACK_DAYS:
        raise InvalidInput("end", f"scan at most {MAX_LOOKBACK_DAYS} days at once")
    out: dict[date, list[HotspotAlert]] = {}
    day = start
    while day <= end:
        out[day] = detect_hotspots(records=records, day=day, **options)  # type: ignore[arg-type]
        day += timedelta(days=1)
    return out
