"""Read schemas of the exchange API (delivery state, the other side's story)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class MessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    message_id: str
    peer: str
    type: str
    order_key: str
    seq: int
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class RemoteEvent(BaseModel):
    seq: int
    type: str
    sent_at: datetime
    applied_at: datetime | None
    payload: dict[str, Any]


class RemoteView(BaseModel):
    """A linked order as the other node told it: its current status and history as received."""

    transfer_uid: str
    peer: str
    remote_status: str | None
    remote_number: str | None
    last_seq_received: int
    last_seq_sent: int
    history: list[RemoteEvent]


class InboxResult(BaseModel):
    status: Literal["applied", "buffered", "duplicate"]
    message_id: str | None = None
