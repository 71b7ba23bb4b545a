"""Dispute escalation risk: address and phone grouping, escalation reasons, ranking, bad input."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from liandong.analytics.forecast import LOCAL_TZ
from liandong.analytics.risk import (
    DisputeRecord,
    dispute_risks,
    normalize_address,
    normalize_phone,
    severity,
)
from liandong.core.errors import InvalidInput

NOW = datetime(2024, 9, 1, 12, tzinfo=LOCAL_TZ)


def at(days_ago: float) -> datetime:
    return NOW - timedelta(days=days_ago)


def escalating_neighbours() -> list[DisputeRecord]:
    """Noise complaints at one building turning into threats, then a 110 call about a fight."""
    addr = "朝阳区幸福小区3号楼2单元301室"
    return [
        DisputeRecord("o1", "12345", at(60), addr, ("13800138000",), "噪音扰民", "楼上噪音，多次沟通无果"),
        DisputeRecord(
            "o2", "12345", at(30), "朝阳区 幸福小区 3幢 2单元 401", ("13900139000",), "噪音扰民", "邻居吵架"
        ),
        DisputeRecord("o3", "12345", at(10), addr, ("+86 138-0013-8000",), "邻里纠纷", "对方扬言要报复"),
        DisputeRecord(
            "i1", "110", at(3), "朝阳区幸福小区3号楼", ("13800138000",), "打架斗殴", "邻居持刀威胁，已动手"
        ),
    ]


def calm_pair() -> list[DisputeRecord]:
    addr = "海淀区学院路15号院"
    return [
        DisputeRecord("c1", "12345", at(150), addr, ("13700137000",), "物业纠纷", "物业费有异议"),
        DisputeRecord("c2", "12345", at(90), addr, ("13700137000",), "物业纠纷", "物业费有异议"),
    ]


def test_normalisation() -> None:
    assert normalize_address("朝阳区幸福小区3号楼2单元301室") == normalize_address(
        "朝阳区 幸福小区 3幢 2单元 401"
    )
    assert normalize_address("朝阳区幸福小区3号楼") == "朝阳区幸福小区3栋"
    assert normalize_address("ＡＢＣ路１２号") == "abc路12号"
    assert normalize_phone("+86 138-0013-8000") == "13800138000"
    assert normalize_phone("0086 13800138000") == "13800138000"
    assert normalize_phone("010-12345678") == "01012345678"
    assert normalize_phone("") == ""


def test_severity_lexicon() -> None:
    assert severity("邻居持刀威胁") == 3
    assert severity("对方扬言要报复") == 2
    assert severity("邻居吵架") == 1
    assert severity("想吃刀削面，杀虫剂在哪买") == 0


def test_escalation_ranks_first_with_reasons() -> None:
    risks = dispute_risks(records=escalating_neighbours() + calm_pair(), now=NOW)
    top = risks[0]
    assert top.record_ids == ["i1", "o1", "o2", "o3"]
    assert top.level == "high"
    codes = {r.code for r in top.reasons}
    assert {"repeated", "accelerating", "escalating_words", "police_after_hotline", "recent"} <= codes
    calm = next(r for r in risks if "c1" in r.record_ids)
    assert calm.level == "low"
    assert calm.score < top.score
    assert {r.code for r in calm.reasons} == {"repeated"}


def test_same_records_by_address_and_phone_are_one_item() -> None:
    risks = dispute_risks(records=calm_pair(), now=NOW)
    assert len(risks) == 1


def test_window_and_min_records_filter() -> None:
    old = [
        DisputeRecord(f"x{k}", "12345", at(400 + k), "西城区某街道8号", ("13600136000",)) for k in range(3)
    ]
    assert dispute_risks(records=old, now=NOW) == []
    single = [DisputeRecord("s1", "110", at(1), "西城区某街道8号", ("13600136000",), "", "打人了")]
    assert dispute_risks(records=single, now=NOW) == []
    future = [DisputeRecord(f"f{k}", "110", NOW + timedelta(days=1), "西城区某街道8号") for k in range(2)]
    assert dispute_risks(records=future, now=NOW) == []


def test_vague_addresses_and_short_phones_do_not_link_strangers() -> None:
    vague = [DisputeRecord(f"v{k}", "12345", at(k + 1), "小区", ("110",), "邻里纠纷") for k in range(3)]
    assert dispute_risks(records=vague, now=NOW) == []


def test_limit() -> None:
    records = escalating_neighbours() + calm_pair()
    assert len(dispute_risks(records=records, now=NOW, limit=1)) == 1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"window_days": 0},
        {"recent_days": -1},
        {"min_records": True},
        {"limit": 0},
        {"limit": 10**6},
        {"records": ["not a record"]},
        {"now": "2024-09-01"},
    ],
)
def test_bad_input(kwargs: dict) -> None:
    with pytest.raises(InvalidInput):
        dispute_risks(**({"records": calm_pair(), "now": NOW} | kwargs))
