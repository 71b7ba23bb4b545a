"""Event read model."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class EventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    entity_type: str
    entity_id: int
    action: str
    actor: str
    occurred_at: datetime
    from_state: str | None
    to_state: str | None
    before: dict[str, Any]
    after: dict[str, Any]
    note: str | None
