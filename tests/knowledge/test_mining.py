"""FAQ mining: obvious clusters are found, ranked by volume, labelled, and turned into proposals."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from liandong.knowledge.embedding import E5Embedder
from liandong.knowledge.mining import ConsultText, ProposalKind, mine_faq
from liandong.knowledge.search import KnowledgeIndex

GROUPS = {
    "pf": [
        "请问公积金怎么提取出来",
        "住房公积金提取需要什么条件",
        "我想把公积金取出来付房租",
        "离职了公积金能取吗",
        "公积金提取要带哪些材料",
        "怎么在手机上提取公积金",
    ],
    "water": [
        "今天小区为什么停水了",
        "我们小区停水什么时候恢复供水",
        "家里突然没水了是不是停水",
        "停水通知在哪里看",
        "幸福里小区停水了吗",
    ],
    "ebike": ["电动车上牌需要什么材料", "电动自行车在哪里上牌照", "新买的电瓶车怎么上牌"],
    "single": ["隔壁邻居半夜唱歌", "请问养老保险怎么转移", "路边井盖丢了", "学校食堂卫生差"],
}


def items() -> list[ConsultText]:
    day = datetime(2025, 5, 1, tzinfo=UTC)
    return [ConsultText(f"{g}{i}", t, day) for g, ts in GROUPS.items() for i, t in enumerate(ts)]


def test_obvious_clusters_ranked_by_volume(embedder: E5Embedder) -> None:
    clusters = mine_faq(items=items(), embedder=embedder, min_size=2)
    groups = [{str(x.item_id).rstrip("0123456789") for x in c.examples} for c in clusters]
    assert groups[:3] == [{"pf"}, {"water"}, {"ebike"}]
    assert [c.size for c in clusters[:3]] == [6, 5, 3]
    assert all(c.size >= 2 for c in clusters)
    assert not any("single" in g for g in groups)
    assert "公积金" in clusters[0].keywords
    assert "停水" in clusters[1].keywords
    assert clusters[0].proposal.kind is ProposalKind.NEW
    assert "公积金" in clusters[0].proposal.question


def test_cluster_matching_an_entry_proposes_update(
    embedder: E5Embedder, faq_index_shared: KnowledgeIndex
) -> None:
    clusters = mine_faq(items=items(), embedder=embedder, index=faq_index_shared, min_size=3)
    pf = next(c for c in clusters if "公积金" in c.keywords)
    assert pf.proposal.kind is ProposalKind.UPDATE
    assert pf.proposal.entry_id == 2
    assert pf.proposal.similarity >= 0.6
    ebike = next(c for c in clusters if str(c.examples[0].item_id).startswith("ebike"))
    assert ebike.proposal.entry_id in (None, 9)


def test_period_filter(embedder: E5Embedder) -> None:
    data = items()
    old = [ConsultText(f"old{i}", "老年人免费乘车卡怎么办理", datetime(2024, 1, 1)) for i in range(5)]
    clusters = mine_faq(
        items=data + old,
        embedder=embedder,
        min_size=3,
        since=datetime(2025, 1, 1, tzinfo=UTC),
        until=datetime(2026, 1, 1),
    )
    assert all(not str(x.item_id).startswith("old") for c in clusters for x in c.examples)
    only_old = mine_faq(items=data + old, embedder=embedder, min_size=3, until=datetime(2025, 1, 1))
    assert [c.size for c in only_old] == [5]


def test_top_n_and_max_examples(embedder: E5Embedder) -> None:
    clusters = mine_faq(items=items(), embedder=embedder, min_size=2, top_n=1, max_examples=2)
    assert len(clusters) == 1 and clusters[0].size == 6 and len(clusters[0].examples) == 2


@pytest.mark.parametrize(
    "data",
    [[], [ConsultText(1, "")], [ConsultText(1, "   "), ConsultText(2, "\x00")], [ConsultText(1, "社保卡")]],
)
def test_too_little_input_gives_no_clusters(embedder: E5Embedder, data: list[ConsultText]) -> None:
    assert mine_faq(items=data, embedder=embedder, min_size=2) == []


def test_odd_texts_never_raise(embedder: E5Embedder) -> None:
    data = [
        ConsultText(i, t)
        for i, t in enumerate(
            [
                "a" * 50_000,
                "<script>alert(1)</script>",
                "'; DROP TABLE x; --",
                "How to renew a passport?",
                "😀😀",
                "公积金提取",
                "公积金怎么提取",
                "提取公积金",
            ]
        )
    ]
    clusters = mine_faq(items=data, embedder=embedder, min_size=2)
    assert all(c.size >= 2 for c in clusters)


class FakeEmbedder:
    """Deterministic vectors around a few centres, to exercise the k-means path without the model."""

    dim = 8

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        rng = np.random.default_rng(0)
        centres = np.eye(self.dim, dtype=np.float32)
        v = centres[["甲乙丙".index(t[0]) for t in texts]] + rng.normal(0, 0.01, (len(texts), self.dim))
        return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)

    embed_passages = embed_queries


def test_large_input_uses_prefiltering(monkeypatch: pytest.MonkeyPatch) -> None:
    import liandong.knowledge.mining as mining

    monkeypatch.setattr(mining, "MAX_DIRECT", 200)
    data = [ConsultText(i, f"{'甲乙丙'[i % 3]}类问题{i}") for i in range(900)]
    clusters = mine_faq(items=data, embedder=FakeEmbedder(), min_size=10)
    assert sorted(c.size for c in clusters) == [300, 300, 300]
