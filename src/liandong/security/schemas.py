"""Security schemas."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from liandong.core.ids import MAX_ID
from liandong.security.enums import Perm, Role


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    username: str = Field(pattern=r"^[A-Za-z0-9_.\-]{3,64}$")
    display_name: str = Field(min_length=1, max_length=120)
    password: str = Field(min_length=10, max_length=200)
    role: Role
    organisation_id: int | None = Field(default=None, gt=0, le=MAX_ID)


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: str
    organisation_id: int | None
    active: bool


class LoginBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=120)
    role: Role = Role.SYSTEM
    scopes: list[Perm] = Field(default_factory=list, max_length=50)
    organisation_id: int | None = Field(default=None, gt=0, le=MAX_ID)
    days: int = Field(default=90, ge=1, le=730)


class TokenIssued(BaseModel):
    id: int
    token: str = Field(description="shown once; only its hash is stored")
    expires_at: datetime
    role: str


class TokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    name: str
    prefix: str
    role: str
    scopes: list[str]
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class UnmaskBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=2, max_length=500, description="why the full data is needed (audited)")


class AuditRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    occurred_at: datetime
    actor: str
    source_ip: str | None
    action: str
    entity_type: str | None
    entity_id: str | None
    detail: dict[str, object]
    seq: int | None
    hash: str | None
