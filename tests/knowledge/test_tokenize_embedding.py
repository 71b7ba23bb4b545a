"""Tokeniser normalisation and stopwords; embedder shape, normalisation and odd input."""

from __future__ import annotations

import numpy as np
import pytest

from liandong.knowledge.embedding import E5Embedder, head
from liandong.knowledge.tokenize import add_user_words, normalize, tokenize


def test_normalize_folds_traditional_fullwidth_and_case() -> None:
    assert normalize("社會保障卡 ＡＢＣ１２３") == "社会保障卡 abc123"


@pytest.mark.parametrize("value", [None, 123, b"bytes", ["list"], "", "\x00"])
def test_normalize_never_raises(value: object) -> None:
    assert isinstance(normalize(value), str)


def test_tokens_drop_stopwords_and_punctuation() -> None:
    toks = tokenize("请问，社保卡丢了怎么补办？", bigrams=False)
    assert "社保卡" in toks and "补办" in toks
    assert not {"请问", "怎么", "，", "？", "了"} & set(toks)


def test_bigrams_bridge_segmentation_differences() -> None:
    assert set(tokenize("社保卡补办")) & set(tokenize("社保补办卡"))
    assert "保卡" not in tokenize("社保卡", bigrams=False)


def test_user_words_kept_whole() -> None:
    assert "梅溪湖片区" not in tokenize("梅溪湖片区停电", bigrams=False)
    add_user_words(["梅溪湖片区", "", None])  # type: ignore[list-item]
    assert "梅溪湖片区" in tokenize("梅溪湖片区停电", bigrams=False)


def test_long_input_is_capped() -> None:
    assert len(tokenize("社保卡" * 100_000, max_chars=300)) < 1000


def test_head_collapses_whitespace_and_truncates() -> None:
    assert head("  社保\n\t卡  ", 4) == "社保 卡"
    assert len(head("字" * 1000)) == 64


def test_embeddings_are_normalised_and_ordered(embedder: E5Embedder) -> None:
    v = embedder.embed_passages(["社保卡补办", "公积金提取", "社保卡丢失怎么办"])
    assert v.shape == (3, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    q = embedder.embed_queries(["社保卡丢了"])[0]
    assert float(v[0] @ q) > float(v[1] @ q)


def test_empty_texts_embed_to_zero(embedder: E5Embedder) -> None:
    v = embedder.embed_queries(["", "   ", "社保"])
    assert np.all(v[0] == 0) and np.all(v[1] == 0)
    assert abs(float(np.linalg.norm(v[2])) - 1.0) < 1e-4
    assert embedder.embed_passages([]).shape == (0, 384)


def test_long_text_embeds_only_its_head(embedder: E5Embedder) -> None:
    long = "社保卡丢了怎么补办" + "啊" * 50_000
    a = embedder.embed_queries([long])[0]
    b = embedder.embed_queries([head(long, embedder.max_chars)])[0]
    assert np.allclose(a, b, atol=1e-5)


def test_query_cache_returns_equal_independent_copies(embedder: E5Embedder) -> None:
    a = embedder.embed_queries(["公积金提取"])
    a[0, 0] = 99.0
    b = embedder.embed_queries(["公积金提取"])
    assert b[0, 0] != 99.0
    assert np.allclose(b, embedder.embed_queries(["公积金提取", "社保"])[:1], atol=1e-5)
