"""Dispute escalation risk (矛盾纠纷激化): repeated disputes at one address or between the same parties."""

from __future__ import annotations

import itertools
import re
import statistics
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from liandong.analytics.forecast import local_time
from liandong.core.errors import InvalidInput

# Words that mark a dispute turning physical or dangerous: 1 heated, 2 threats, 3 violence/weapons/life.
# Multi-character words on purpose: a bare 刀 or 杀 would also match 刀削面 and 杀虫.
SEVERITY_WORDS: dict[str, int] = {
    "吵架": 1, "争吵": 1, "吵闹": 1, "骂": 1, "辱骂": 1, "纠纷": 1, "矛盾": 1, "堵门": 1, "投诉多次": 1,
    "推搡": 2, "威胁": 2, "恐吓": 2, "报复": 2, "砸门": 2, "砸车": 2, "踹门": 2,
    "堵路": 2, "扬言": 2, "打架": 2, "动手": 2,
    "打人": 3, "殴打": 3, "持刀": 3, "拿刀": 3, "菜刀": 3, "砍人": 3, "杀人": 3,
    "杀了": 3, "同归于尽": 3, "纵火": 3, "放火": 3, "泼汽油": 3,
    "跳楼": 3, "自杀": 3, "流血": 3, "受伤": 3, "持械": 3,
}  # fmt: skip

_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
_ROOM_TAIL = re.compile(r"(\d+单元\d*)?(\d+(层|楼))?(\d+(室|房|户|号房))?$")
_BELOW_BUILDING = re.compile(r"栋.*$")


@dataclass(frozen=True, slots=True)
class DisputeRecord:
    """A 12345 order or 110 incident about a dispute: where, who (phones), when, what."""

    id: str
    platform: str
    occurred_at: datetime
    address: str = ""
    phones: Sequence[str] = ()
    category: str = ""
    text: str = ""


@dataclass(frozen=True, slots=True)
class RiskReason:
    """One reason a group is risky, as a code and a Chinese explanation for the seat."""

    code: str
    detail: str
    points: float


@dataclass(frozen=True, slots=True)
class RiskItem:
    """A group of related disputes ranked by escalation risk."""

    key: str
    kind: str
    score: float
    level: str
    record_ids: list[str]
    first_at: datetime
    last_at: datetime
    reasons: list[RiskReason] = field(default_factory=list)


def normalize_address(address: str) -> str:
    """Building-level address key: width and punctuation folded, 号楼/幢 unified, unit/floor/room dropped."""
    text = unicodedata.normalize("NFKC", address or "").lower()
    text = _PUNCT.sub("", text)
    text = text.replace("号楼", "栋").replace("幢", "栋").replace("座", "栋")
    # Neighbours in one building quarrel across flats, so the room is too fine a key.
    return _ROOM_TAIL.sub("", _BELOW_BUILDING.sub("栋", text))


def normalize_phone(phone: str) -> str:
    """Digits only, with the +86/0086 country prefix removed from mobile numbers."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", phone or ""))
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11 and digits[len(prefix)] == "1":
            return digits[len(prefix) :]
    return digits


def severity(text: str) -> int:
    """Highest severity word weight found in the text (0 when none)."""
    folded = unicodedata.normalize("NFKC", text or "")
    return max((w for word, w in SEVERITY_WORDS.items() if word in folded), default=0)


def _level(score: float) -> str:
    if score >= 8:
        return "high"
    if score >= 4:
        return "medium"
    return "low"


def _score_group(records: list[DisputeRecord], now: datetime, recent_days: int) -> list[RiskReason]:
    records = sorted(records, key=lambda r: local_time(r.occurred_at))
    times = [local_time(r.occurred_at) for r in records]
    reasons = [RiskReason("repeated", f"同一对象反复发生纠纷{len(records)}次", float(len(records) - 1))]
    gaps = [(b - a).total_seconds() / 86400 for a, b in itertools.pairwise(times)]
    if len(gaps) >= 2:
        earlier = statistics.median(gaps[:-1])
        if gaps[-1] < earlier / 2:
            reasons.append(
                RiskReason(
                    "accelerating", f"间隔缩短：最近间隔{gaps[-1]:.1f}天，此前中位数{earlier:.1f}天", 2.0
                )
            )
    sev = [severity(f"{r.category} {r.text}") for r in records]
    if sev[-1] > sev[0] or (len(sev) >= 3 and sev[-1] > max(sev[:-1])):
        reasons.append(
            RiskReason("escalating_words", f"言辞升级：严重程度由{sev[0]}升至{sev[-1]}", 2.0 * sev[-1])
        )
    elif max(sev) >= 3:
        reasons.append(RiskReason("violent_words", "出现暴力、凶器或轻生字眼", 3.0))
    first_110 = next((i for i, r in enumerate(records) if r.platform == "110"), None)
    if first_110 is not None and any(r.platform == "12345" for r in records[:first_110]):
        reasons.append(RiskReason("police_after_hotline", "12345工单后又发生110警情", 3.0))
    if (now - times[-1]) <= timedelta(days=recent_days):
        reasons.append(RiskReason("recent", f"最近{recent_days}天内仍有发生", 1.0))
    return reasons


def dispute_risks(
    *,
    records: Iterable[DisputeRecord],
    now: datetime,
    window_days: int = 180,
    recent_days: int = 14,
    min_records: int = 2,
    limit: int = 100,
) -> list[RiskItem]:
    """Rank groups of repeated disputes (same address or same phone) by escalation risk, with reasons."""
    for name, value in (
        ("window_days", window_days),
        ("recent_days", recent_days),
        ("min_records", min_records),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidInput(name, "must be a positive integer")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 10_000:
        raise InvalidInput("limit", "must be in 1..10000")
    now_local = local_time(now)
    since = now_local - timedelta(days=window_days)
    groups: dict[tuple[str, str], dict[str, DisputeRecord]] = defaultdict(dict)
    for rec in records:
        if not isinstance(rec, DisputeRecord):
            raise InvalidInput("records", f"expected DisputeRecord, got {type(rec).__name__}")
        if not since <= local_time(rec.occurred_at) <= now_local:
            continue
        address = normalize_address(rec.address)
        if len(address) >= 4:  # "某小区" alone is too vague to tie people together
            groups[("address", address)][rec.id] = rec
        for phone in {normalize_phone(p) for p in rec.phones}:
            if len(phone) >= 7:
                groups[("phone", phone)][rec.id] = rec
    items: dict[frozenset[str], RiskItem] = {}
    for (kind, key), members in groups.items():
        if len(members) < min_records:
            continue
        reasons = _score_group(list(members.values()), now_local, recent_days)
        score = round(sum(r.points for r in reasons), 2)
        times = sorted(local_time(r.occurred_at) for r in members.values())
        item = RiskItem(key, kind, score, _level(score), sorted(members), times[0], times[-1], reasons)
        # The same disputes found by address and by phone are one risk; keep the stronger description.
        ids = frozenset(members)
        if ids not in items or items[ids].score < score:
            items[ids] = item
    ranked = sorted(items.values(), key=lambda i: (-i.score, -i.last_at.timestamp(), i.key))
    return ranked[:limit]
