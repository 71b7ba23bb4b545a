"""What the knowledge index holds and returns: entry documents (knowledge entries and past cases), hits, knobs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

EntryId = int | str
PUBLISHED = "published"
SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")


@dataclass(frozen=True, slots=True)
class EntryDoc:
    """What the index needs of a knowledge entry (or of a past case, see `case_doc`)."""

    entry_id: EntryId
    question: str
    answer: str = ""
    variants: tuple[str, ...] = ()
    category: str | None = None
    region: str | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    status: str = PUBLISHED
    meta: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result: fused score in [0, 1], its two parts, and the entry text that matched best."""

    entry_id: EntryId
    score: float
    bm25: float
    dense: float
    matched: str


@dataclass(frozen=True, slots=True)
class SearchParams:
    """BM25 and fusion knobs (tuned with bench/knowledge.py); e5 cosines live in a narrow band, hence the window."""

    k1: float = 1.2
    b: float = 0.75
    k3: float = 1.2  # saturation of repeated query terms (a long message repeats its topic)
    answer_weight: float = 0.3
    answer_chars: int = 1000
    w_dense: float = 0.5  # e5 saw the whole query
    w_dense_head: float = 0.35  # e5 saw only a short head of a long query
    dense_lo: float = 0.78
    dense_hi: float = 0.95
    max_query_chars: int = 2000
    query_word_chars: int = 300  # jieba cuts this head of the query; bigrams cover the rest (jieba is slow)
    query_embed_chars: int = 16  # e5 embeds this head of the query (~1-2 ms per character on one core)
    # Keyword evidence this decisive (top >= decisive_bm25, ahead of the next by decisive_margin) skips the e5
    # pass: it never changed the top five in the bench, and it is most of the query's cost.
    decisive_bm25: float = 0.8
    decisive_margin: float = 0.3


def epoch(value: datetime | None, default: float) -> float:
    """Epoch seconds; naive datetimes are taken as UTC so stored and query times compare the same way."""
    if value is None:
        return default
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def doc_units(doc: EntryDoc) -> list[str]:
    """The short texts of an entry that are embedded (one vector each) and can be reported as the matched part."""
    seen: dict[str, None] = {}
    for text in (doc.question, *doc.variants):
        t = " ".join(str(text or "").split())
        if t:
            seen.setdefault(t, None)
    return list(seen) or [" ".join(str(doc.answer or "").split())[:64]]


def case_doc(
    *,
    case_id: EntryId,
    text: str,
    outcome: str = "",
    handling_unit: str | None = None,
    region: str | None = None,
    category: str | None = None,
) -> EntryDoc:
    """A past request as an indexable document: its head is the "question", the full text the body."""
    body = " ".join(str(text or "").split())
    head = SENTENCE.findall(body[:200])
    meta = {"outcome": str(outcome or "")} | ({"handling_unit": handling_unit} if handling_unit else {})
    return EntryDoc(
        entry_id=case_id,
        question=(head[0] if head else body)[:64],
        answer=body,
        region=region,
        category=category,
        meta=meta,
    )
