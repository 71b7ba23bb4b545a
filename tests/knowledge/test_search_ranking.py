"""Ranking behaviour added for long messages: entry-side BM25 normalisation, query tokens, caches, old files."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.knowledge.conftest import NOW

from liandong.knowledge.embedding import E5Embedder
from liandong.knowledge.search import EntryDoc, KnowledgeIndex, SearchParams, build_index
from liandong.knowledge.tokenize import normalize, query_tokens, tokenize

# A citizen's message as it reaches a seat: background first, the question late, many unrelated words.
LONG_MESSAGE = (
    "我是一名在本市工作了十多年的普通职工，单位一直按时给我缴纳各项保险，去年年底我和爱人在城区买了一套"
    "二手房，首付款是向亲戚借的，现在亲戚家里有急事需要用钱，我们手头比较紧张。听同事说可以把住房公积金"
    "取出来还借款，我想知道购房以后提取公积金需要准备什么材料，在哪里办理，多长时间能到账？"
)


def test_long_message_ranks_the_entry_it_covers_first(docs: list[EntryDoc]) -> None:
    index = build_index(docs, embedder=None)
    hits = index.search(LONG_MESSAGE, k=5, at=NOW)
    assert hits[0].entry_id == 2
    # The message covers most of the entry's terms: scored against the entry, not the whole message.
    assert hits[0].bm25 >= 0.5
    assert hits[0].score > 2 * hits[1].score


def test_long_message_with_embedder_keeps_the_covered_entry_first(faq_index_shared: KnowledgeIndex) -> None:
    hits = faq_index_shared.search(LONG_MESSAGE, k=3, at=NOW)
    assert hits[0].entry_id == 2
    assert 0.0 <= hits[0].dense <= 1.0


def test_short_query_scores_against_the_query(docs: list[EntryDoc]) -> None:
    index = build_index(docs, embedder=None)
    full = index.search("社保卡丢失如何补办", k=1, at=NOW)[0]
    partial = index.search("社保卡丢失如何补办 养老金 停水", k=1, at=NOW)[0]
    assert full.entry_id == partial.entry_id == 1
    assert full.bm25 == 1.0
    assert partial.bm25 < full.bm25  # unmatched query words lower the score of a short query


def test_repeated_query_terms_saturate(docs: list[EntryDoc]) -> None:
    index = build_index(docs, embedder=None)
    once = index.search("公积金 停水", k=5, at=NOW)
    many = index.search("公积金 " * 30 + "停水", k=5, at=NOW)
    assert {h.entry_id for h in once[:2]} == {h.entry_id for h in many[:2]} == {2, 4}


def test_query_tokens_match_tokenize_on_short_text() -> None:
    text = "请问社保卡丢了怎么补办"
    assert query_tokens(text) == tokenize(text)


def test_query_tokens_cut_words_only_in_the_head() -> None:
    text = "社保卡" + "的" * 400 + "公积金提取"
    toks = query_tokens(text, word_chars=50)
    assert "社保卡" in toks and "公积金" not in toks
    assert "积金" in toks and "提取" in toks  # bigrams still cover the tail


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=600))
def test_query_tokens_never_raise_and_use_index_token_kinds(text: str) -> None:
    toks = query_tokens(text, word_chars=100)
    head = normalize(text)[:100]
    assert set(toks) <= set(tokenize(text)) | set(tokenize(head))


def test_region_cache_follows_index_changes(docs: list[EntryDoc]) -> None:
    index = build_index(docs, embedder=None)
    assert all(h.entry_id != 99 for h in index.search("养犬登记", k=5, at=NOW, region="430102"))
    index.add([EntryDoc(entry_id=99, question="养犬登记如何办理", answer="派出所", region="4301")])
    assert index.search("养犬登记", k=1, at=NOW, region="430102")[0].entry_id == 99
    assert all(h.entry_id != 99 for h in index.search("养犬登记", k=5, at=NOW, region="3101"))
    index.add([replace(index.get(99), region="3101")])  # type: ignore[arg-type]
    assert all(h.entry_id != 99 for h in index.search("养犬登记", k=5, at=NOW, region="430102"))


def test_load_accepts_files_written_with_other_params(docs: list[EntryDoc], tmp_path: Path) -> None:
    index = build_index(docs, embedder=None, params=SearchParams(k3=2.0))
    index.save(tmp_path / "kb")
    meta = json.loads((tmp_path / "kb.json").read_text(encoding="utf-8"))
    del meta["params"]["k3"]
    meta["params"]["retired_knob"] = 1
    (tmp_path / "kb.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    loaded = KnowledgeIndex.load(tmp_path / "kb")
    assert loaded.params.k3 == SearchParams().k3
    assert loaded.search("公积金提取", k=1, at=NOW)[0].entry_id == 2


class CountingEmbedder:
    """Wraps the real embedder and counts query embeddings."""

    def __init__(self, inner: E5Embedder) -> None:
        self.inner, self.dim, self.queries = inner, inner.dim, 0

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        self.queries += 1
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)


def test_decisive_keyword_match_skips_the_model_vague_query_uses_it(
    docs: list[EntryDoc], embedder: E5Embedder
) -> None:
    counting = CountingEmbedder(embedder)
    index = build_index(docs, embedder=counting)
    assert index.search("住房公积金提取条件和办理流程", k=3, at=NOW)[0].entry_id == 2
    assert counting.queries == 0
    assert index.search("刚出生的宝宝怎么办医保", k=3, at=NOW)[0].entry_id == 6
    assert counting.queries == 1
