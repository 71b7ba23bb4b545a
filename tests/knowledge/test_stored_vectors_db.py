"""Stored entry and case vectors: the worker job fills and refreshes them, the process indexes only read them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import make_unit, make_work_order
from tests.knowledge.test_entries_db import entry_body, publish

from liandong.knowledge import jobs, runtime, schemas, service, vectors
from liandong.knowledge.embedding import E5Embedder
from liandong.knowledge.models import KnowledgeEmbedding, KnowledgeEntry
from liandong.outbox import worker
from liandong.outbox.models import OutboxJob
from liandong.workorder import flows as wo_flows
from liandong.workorder.models import WorkOrder
from liandong.workorder.schemas import CompleteBody


class LengthEmbedder:
    """A fake model: texts of the same length get the same vector (so a query can match without shared words)."""

    dim = 8

    def __init__(self, model_id: str = "fake-1") -> None:
        self.model_id = model_id
        self.passage_texts = 0
        self.query_texts = 0

    def _vecs(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        out[np.arange(len(texts)), [len(t) % self.dim for t in texts]] = 1.0
        return out

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.query_texts += len(texts)
        return self._vecs(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.passage_texts += len(texts)
        return self._vecs(texts)


class CountingE5:
    """The real e5 model, counting the documents it embeds."""

    def __init__(self, inner: E5Embedder) -> None:
        self.inner, self.dim, self.model_id = inner, inner.dim, inner.model_id
        self.passage_texts = 0

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.passage_texts += len(texts)
        return self.inner.embed_passages(texts)


@pytest.fixture
def fake() -> Iterator[LengthEmbedder]:
    previous = runtime.current_embedder()
    emb = LengthEmbedder()
    runtime.set_embedder(emb)
    yield emb
    runtime.set_embedder(previous)


def published(session: Session, org_id: int, question: str, variants: tuple[str, ...] = ()) -> KnowledgeEntry:
    data = schemas.EntryBase(
        question=question, answer=f"{question}的答复。", variants=list(variants), category="人社"
    )
    entry = service.create(session=session, data=data, organisation_id=org_id, actor="test")
    for action in ("submit", "review", "publish"):
        service.apply_action(session=session, entry=entry, action=action, actor="test")
    session.commit()
    return entry


def finished_case(session: Session, summary: str) -> WorkOrder:
    order = make_work_order(session, summary=summary, category="人社")
    wo_flows.act(session=session, order_id=order.id, action="complete", actor="test",
                 body=CompleteBody(opinion="已答复"))  # fmt: skip
    return order


def stored(session: Session, model: str = "fake-1") -> dict[tuple[str, int], KnowledgeEmbedding]:
    session.expire_all()
    rows = session.scalars(select(KnowledgeEmbedding).where(KnowledgeEmbedding.model == model))
    return {(r.owner_kind, r.owner_id): r for r in rows}


def test_job_fills_missing_vectors_then_only_changed_texts_and_new_models(
    session: Session, fake: LengthEmbedder
) -> None:
    org = make_unit(session)
    card = published(session, org.id, "社保卡丢失如何补办", ("社会保障卡遗失补办",))
    fund = published(session, org.id, "公积金怎么提取")
    case = finished_case(session, "市民咨询社保卡丢失后如何补办。已告知。")
    first = jobs.refresh(session=session, embedder=fake)
    session.commit()
    assert (first.embedded, first.remaining) == (3, False)
    assert fake.passage_texts == 4  # the card's question and variant, the fund question, the case's head
    rows = stored(session)
    assert set(rows) == {("entry", card.id), ("entry", fund.id), ("case", case.id)}
    card_vecs = vectors.from_bytes(rows["entry", card.id].vector, rows["entry", card.id].dim)
    assert card_vecs.shape == (2, fake.dim) and rows["entry", card.id].dim == fake.dim
    np.testing.assert_array_equal(card_vecs, fake._vecs(["社保卡丢失如何补办", "社会保障卡遗失补办"]))

    again = jobs.refresh(session=session, embedder=fake)
    assert (again.checked, again.embedded, fake.passage_texts) == (0, 0, 4)  # nothing missing or changed

    # A changed text is re-embedded; a change that leaves the text alone is only checked, once.
    order = session.get(WorkOrder, case.id)
    assert order is not None
    stamp = rows["case", case.id].updated_at
    order.summary = "市民反映公积金提取进度太慢。"
    session.commit()
    changed = jobs.refresh(session=session, embedder=fake)
    session.commit()
    assert (changed.checked, changed.embedded, fake.passage_texts) == (1, 1, 5)
    row = stored(session)["case", case.id]
    assert row.text_hash == vectors.text_hash(["市民反映公积金提取进度太慢。"]) and row.updated_at > stamp
    order.handle_opinion = "已转办公积金中心"
    session.commit()
    touched = jobs.refresh(session=session, embedder=fake)
    session.commit()
    assert (touched.checked, touched.embedded, fake.passage_texts) == (1, 0, 5)
    assert jobs.refresh(session=session, embedder=fake).checked == 0

    # Another model id re-embeds everything, beside the old model's rows.
    newer = LengthEmbedder("fake-2")
    assert jobs.refresh(session=session, embedder=newer).embedded == 3
    session.commit()
    assert len(stored(session, "fake-2")) == 3 and len(stored(session, "fake-1")) == 3


def test_job_budget_leaves_the_rest_to_the_next_run(session: Session, fake: LengthEmbedder) -> None:
    org = make_unit(session)
    published(session, org.id, "居住证办理需要哪些材料")
    partial = jobs.refresh(session=session, embedder=fake, budget_s=-1.0)
    assert partial.remaining and partial.embedded == 0 and not stored(session)
    assert jobs.refresh(session=session, embedder=fake).embedded == 1


def test_index_reads_stored_vectors_and_never_embeds_documents(
    session: Session, fake: LengthEmbedder
) -> None:
    org = make_unit(session)
    five = published(
        session, org.id, "路灯不亮了"
    )  # 5 characters: the fake gives it the vector of any 5-char text
    jobs.refresh(session=session, embedder=fake)
    session.commit()
    other = published(session, org.id, "燃气费缴纳")  # also 5 characters, published after the job ran
    fake.passage_texts = 0
    index = runtime.entry_index(session)
    assert len(index) == 2 and fake.passage_texts == 0
    # No shared word with either entry: only a stored vector can find it; the unstored entry is keyword-only.
    hits = index.search("晚上好吵啊", k=5)
    assert [h.entry_id for h in hits] == [five.id] and hits[0].dense == pytest.approx(1.0)
    assert fake.query_texts == 1
    # Found by its keywords meanwhile, ranked by them alone.
    by_words = index.search("燃气费缴纳", k=1)
    assert (
        by_words[0].entry_id == other.id
        and by_words[0].dense == 0.0
        and by_words[0].score == pytest.approx(1.0)
    )
    # The worker stores its vector: the next call notices (the vectors are part of the signature) and reads it.
    jobs.refresh(session=session, embedder=fake)
    session.commit()
    index = runtime.entry_index(session)
    assert {h.entry_id for h in index.search("晚上好吵啊", k=5)} == {five.id, other.id}
    assert fake.passage_texts == 1  # the job's one text; the index embedded none


def test_a_stale_stored_vector_is_not_served(session: Session, fake: LengthEmbedder) -> None:
    org = make_unit(session)
    entry = published(session, org.id, "路灯不亮了")
    jobs.refresh(session=session, embedder=fake)
    row = stored(session)["entry", entry.id]
    row.text_hash = vectors.text_hash(["另一段文字"])  # as if computed from an older text
    session.commit()
    hits = runtime.entry_index(session).search("晚上好吵啊", k=5)
    assert hits == [] and fake.passage_texts == 1


def test_published_entry_is_found_by_keywords_then_gains_its_e5_vector(
    session: Session,
    session_factory: sessionmaker[Session],
    client: TestClient,
    embedder: E5Embedder,
) -> None:
    counting = CountingE5(embedder)
    previous = runtime.current_embedder()
    runtime.set_embedder(counting)
    try:
        org = make_unit(session)
        entry = client.post("/api/v1/knowledge/entries", json=entry_body(org.id)).json()
        publish(client, entry["id"])
        queued = session.scalar(
            select(func.count()).select_from(OutboxJob).where(OutboxJob.topic == jobs.TOPIC)
        )
        assert queued == 1  # queued with the publish, in its transaction
        # Words in common, but not decisive ones: the query is embedded and e5 would take part if it could.
        search = {"q": "社保卡的事情想咨询一下应该怎么弄", "k": 1}
        before = client.get("/api/v1/knowledge/search", params=search).json()["items"]
        # Not embedded yet: found by its keywords alone.
        assert before[0]["entry_id"] == entry["id"] and before[0]["dense"] == 0.0
        assert counting.passage_texts == 0
        assert worker.drain(session_factory, handlers={jobs.TOPIC: jobs.embed_job}) == 1
        assert counting.passage_texts == 2  # question and variant, by the job
        assert ("entry", entry["id"]) in stored(session, embedder.model_id)
        after = client.get("/api/v1/knowledge/search", params=search).json()["items"]
        assert after[0]["entry_id"] == entry["id"] and after[0]["dense"] > 0.8
        assert after[0]["score"] > before[0]["score"]  # e5 now adds to the keyword score
        assert counting.passage_texts == 2
    finally:
        runtime.set_embedder(previous)


def test_index_add_with_given_vectors_embeds_nothing_and_ignores_misfits() -> None:
    from liandong.knowledge.search import EntryDoc, KnowledgeIndex

    emb = LengthEmbedder()
    index = KnowledgeIndex(embedder=emb)
    docs = [EntryDoc(entry_id=1, question="路灯不亮了"), EntryDoc(entry_id=2, question="燃气费缴纳")]
    wrong_shape = np.ones((3, emb.dim), np.float32)  # three rows for an entry with one unit text
    index.add(docs, vectors={1: emb._vecs(["路灯不亮了"]), 2: wrong_shape})
    assert emb.passage_texts == 0
    assert [h.entry_id for h in index.search("晚上好吵啊", k=5)] == [1]  # entry 2 is keyword-only
    index.add([EntryDoc(entry_id=3, question="公交卡办理")])  # without vectors: embedded inline, as before
    assert emb.passage_texts == 1
    assert {h.entry_id for h in index.search("晚上好吵啊", k=5)} == {1, 3}
