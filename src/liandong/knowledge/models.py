"""Knowledge entries (一问一答) with versions, FAQ proposals, and surge-bot conversations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liandong.core.timeutil import utcnow
from liandong.database import Base
from liandong.knowledge.enums import ConversationStatus, EntryStatus, ProposalStatus


class KnowledgeEntry(Base):
    """One version of a question and its answer; versions of one entry share `root_id`."""

    __tablename__ = "knowledge_entries"
    __table_args__ = (
        Index("ix_knowledge_entries_status_updated", "status", "updated_at"),
        Index("ix_knowledge_entries_root_version", "root_id", "version", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    root_id: Mapped[int | None] = mapped_column(index=True)  # the first version's id
    version: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(16), default=EntryStatus.DRAFT.value)
    question: Mapped[str] = mapped_column(String(500))
    answer: Mapped[str] = mapped_column(Text)
    variants: Mapped[list[Any]] = mapped_column(default=list)
    category: Mapped[str | None] = mapped_column(String(80), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    region: Mapped[str | None] = mapped_column(String(12))
    valid_from: Mapped[datetime | None]
    valid_to: Mapped[datetime | None]
    source_document: Mapped[str | None] = mapped_column(String(500))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("knowledge_entries.id"))
    last_reason: Mapped[str | None] = mapped_column(String(2000))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]


class FaqProposal(Base):
    """A high-frequency consultation question proposed to its owning department as a new or updated entry."""

    __tablename__ = "faq_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # new | update
    status: Mapped[str] = mapped_column(String(16), default=ProposalStatus.OPEN.value, index=True)
    question: Mapped[str] = mapped_column(String(500))
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    volume: Mapped[int]
    example_request_ids: Mapped[list[Any]] = mapped_column(default=list)
    examples: Mapped[list[Any]] = mapped_column(default=list)  # masked example texts
    category: Mapped[str | None] = mapped_column(String(80))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("knowledge_entries.id"))  # the entry to update
    similarity: Mapped[float] = mapped_column(default=0.0)
    period_since: Mapped[datetime]
    period_until: Mapped[datetime]
    result_entry_id: Mapped[int | None] = mapped_column(ForeignKey("knowledge_entries.id"))
    reason: Mapped[str | None] = mapped_column(String(2000))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None]


class BotConversation(Base):
    """A citizen's chat with the surge bot; `token` is the unguessable id the citizen holds."""

    __tablename__ = "bot_conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(48), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=ConversationStatus.OPEN.value)
    failed_turns: Mapped[int] = mapped_column(default=0)
    pending_options: Mapped[list[Any]] = mapped_column(default=list)
    transcript: Mapped[list[Any]] = mapped_column(default=list)  # [[speaker, text], ...]
    turns: Mapped[int] = mapped_column(default=0)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class KnowledgeEmbedding(Base):
    """The stored e5 vectors of one entry or past case (one row per unit text), written by the worker."""

    __tablename__ = "knowledge_embeddings"
    __table_args__ = (UniqueConstraint("owner_kind", "owner_id", "model"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_kind: Mapped[str] = mapped_column(String(16))  # entry | case
    owner_id: Mapped[int]
    model: Mapped[str] = mapped_column(String(80))  # a new model id re-embeds everything
    text_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the embedded unit texts
    dim: Mapped[int]
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32 little-endian, (units, dim) row-major
    # The owner's updated_at when its text was last compared: newer owners are re-checked, others skipped.
    source_updated_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)  # when the vector last changed
