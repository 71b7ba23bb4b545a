"""Knowledge entry, FAQ proposal and bot message schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from liandong.core.ids import MAX_ID
from liandong.core.timeutil import as_utc
from liandong.knowledge.enums import BotChannel

Variant = Annotated[str, Field(min_length=1, max_length=200)]
MAX_ANSWER_CHARS = 8000


def _no_nul(value: str | None) -> str | None:
    if value is not None and "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


class EntryBase(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    question: str = Field(min_length=1, max_length=500, description="标准问题")
    answer: str = Field(min_length=1, max_length=MAX_ANSWER_CHARS, description="标准答案")
    variants: list[Variant] = Field(default_factory=list, max_length=50, description="相似问法")
    category: str | None = Field(default=None, max_length=80)
    region: str | None = Field(
        default=None, pattern=r"^\d{2,12}$", description="行政区划代码; none = everywhere"
    )
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    source_document: str | None = Field(default=None, max_length=500, description="依据文件")

    @field_validator("question", "answer", "source_document", "category")
    @classmethod
    def _clean(cls, value: str | None) -> str | None:
        return _no_nul(value)

    @model_validator(mode="after")
    def _period(self) -> EntryBase:
        if self.valid_from and self.valid_to and as_utc(self.valid_to) <= as_utc(self.valid_from):
            raise ValueError("valid_to must be after valid_from")
        return self


class EntryCreate(EntryBase):
    organisation_id: int | None = Field(
        default=None, gt=0, le=MAX_ID, description="owning department; unit staff default to their own"
    )


class EntryUpdate(BaseModel):
    """Edit a draft in place, or (on a published entry) draft a new version with these changes."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    question: str | None = Field(default=None, min_length=1, max_length=500)
    answer: str | None = Field(default=None, min_length=1, max_length=MAX_ANSWER_CHARS)
    variants: list[Variant] | None = Field(default=None, max_length=50)
    category: str | None = Field(default=None, max_length=80)
    region: str | None = Field(default=None, pattern=r"^\d{2,12}$")
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    source_document: str | None = Field(default=None, max_length=500)

    @field_validator("question", "answer", "source_document", "category")
    @classmethod
    def _clean(cls, value: str | None) -> str | None:
        return _no_nul(value)


class ReasonBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=1, max_length=2000)


class NoteBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str | None = Field(default=None, max_length=2000)


class EntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    root_id: int | None
    version: int
    status: str
    question: str
    answer: str
    variants: list[str]
    category: str | None
    organisation_id: int
    region: str | None
    valid_from: datetime | None
    valid_to: datetime | None
    source_document: str | None
    supersedes_id: int | None
    last_reason: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    retired_at: datetime | None
    allowed_actions: list[str] = Field(default_factory=list)


class SearchHit(BaseModel):
    entry_id: int
    score: float
    bm25: float
    dense: float
    matched: str = Field(description="the question, variant or answer sentence that matched best")
    question: str
    answer: str
    category: str | None
    organisation_id: int | None
    version: int | None


class SearchResult(BaseModel):
    query: str
    items: list[SearchHit]


class MineBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: datetime
    until: datetime
    min_size: int = Field(default=3, ge=2, le=1000)
    top_n: int = Field(default=20, ge=1, le=100)

    @model_validator(mode="after")
    def _period(self) -> MineBody:
        if as_utc(self.until) <= as_utc(self.since):
            raise ValueError("until must be after since")
        if (as_utc(self.until) - as_utc(self.since)).days > 366:
            raise ValueError("the period may span at most one year")
        return self


class AcceptBody(BaseModel):
    """The department's answer: a new draft entry, or a new version of the matched entry."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    answer: str = Field(min_length=1, max_length=MAX_ANSWER_CHARS)
    question: str | None = Field(
        default=None, min_length=1, max_length=500, description="defaults to the proposal's"
    )
    source_document: str | None = Field(default=None, max_length=500)

    @field_validator("answer", "question", "source_document")
    @classmethod
    def _clean(cls, value: str | None) -> str | None:
        return _no_nul(value)


class ProposalRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    status: str
    question: str
    keywords: list[str]
    volume: int
    example_request_ids: list[int]
    examples: list[str]
    category: str | None
    organisation_id: int | None
    entry_id: int | None
    similarity: float
    period_since: datetime
    period_until: datetime
    result_entry_id: int | None
    reason: str | None
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None


class BotMessage(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    conversation_id: str | None = Field(
        default=None, min_length=8, max_length=48, pattern=r"^[A-Za-z0-9_-]+$"
    )
    text: str = Field(min_length=1, max_length=2000)
    channel: BotChannel = BotChannel.WEB

    @field_validator("text")
    @classmethod
    def _clean(cls, value: str) -> str:
        if "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value


class BotOption(BaseModel):
    number: int
    question: str


class BotReplyRead(BaseModel):
    conversation_id: str
    kind: str = Field(description="answer | clarify | handover | emergency")
    text: str
    entry_id: int | None = None
    options: list[BotOption] = Field(default_factory=list)
    request_number: str | None = Field(
        default=None, description="the request created on handover or emergency"
    )
    surge: bool = False
    status: str
