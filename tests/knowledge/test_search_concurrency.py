"""A search that runs the e5 model does not hold the index: other searches and edits go on meanwhile."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
import pytest
from tests.knowledge.conftest import faq_docs

from liandong.knowledge.embedding import E5Embedder
from liandong.knowledge.search import KnowledgeIndex, build_index

PARAPHRASE = "我家孩子今年要上小学了，学位要怎么去申请呢"  # no decisive keyword hit: needs the model


class GatedEmbedder:
    """The real e5 embedder, made to wait inside the query pass until the test lets it go."""

    def __init__(self, real: E5Embedder) -> None:
        self.real = real
        self.dim = real.dim
        self.entered = threading.Event()
        self.release = threading.Event()
        self.gate = False

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        if self.gate:
            self.entered.set()
            assert self.release.wait(30), "the test never released the model"
        return self.real.embed_queries(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.real.embed_passages(texts)


def _search_in_thread(index: KnowledgeIndex, query: str, out: list[list[int]]) -> threading.Thread:
    thread = threading.Thread(target=lambda: out.append([h.entry_id for h in index.search(query, k=3)]))
    thread.start()
    return thread


@pytest.fixture
def in_the_model(
    embedder: E5Embedder,
) -> tuple[GatedEmbedder, KnowledgeIndex, threading.Thread, list[list[int]]]:
    """An index whose model holds a paraphrase search (its results go to the list) until released."""
    gated = GatedEmbedder(embedder)
    index = build_index(faq_docs(), embedder=gated)
    gated.gate = True
    out: list[list[int]] = []
    waiting = _search_in_thread(index, PARAPHRASE, out)
    assert gated.entered.wait(30)
    return gated, index, waiting, out


def test_searches_and_edits_proceed_while_a_query_is_in_the_model(
    in_the_model: tuple[GatedEmbedder, KnowledgeIndex, threading.Thread, list[list[int]]],
) -> None:
    gated, index, waiting, slow = in_the_model
    # Inside the model pass now. A keyword-decisive search and an edit must not wait for it.
    fast: list[list[int]] = []
    quick = _search_in_thread(index, "身份证过期了怎么换领", fast)
    quick.join(10)
    assert not quick.is_alive(), "a keyword search waited for another search's model pass"
    assert fast and fast[0][0] == 12
    editor = threading.Thread(target=lambda: index.remove([10]))  # 10: 孩子入学学位如何申请
    editor.start()
    editor.join(10)
    assert not editor.is_alive(), "an edit waited for a search's model pass"
    gated.release.set()
    waiting.join(30)
    # The slow search saw the edit made during its model pass: the removed entry is not served.
    assert slow and 10 not in slow[0]


def test_a_query_in_the_model_still_finds_its_entry_when_nothing_changed(
    in_the_model: tuple[GatedEmbedder, KnowledgeIndex, threading.Thread, list[list[int]]],
) -> None:
    gated, _index, waiting, out = in_the_model
    gated.release.set()
    waiting.join(30)
    assert out and out[0][0] == 10
