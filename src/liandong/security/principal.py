"""The authenticated caller of a use case, independent of HTTP."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from liandong.security.enums import Perm, Role
from liandong.security.policy import permissions


@dataclass(frozen=True)
class Principal:
    name: str
    role: str
    user_id: int | None = None
    token_id: int | None = None
    organisation_id: int | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    source_ip: str | None = None
    expires_at: datetime | None = None  # of the token that authenticated it

    def can(self, perm: Perm) -> bool:
        allowed = permissions(self.role)
        # An API token narrows its role to its scopes when scopes are given.
        if self.scopes:
            allowed = frozenset(p for p in allowed if p.value in self.scopes)
        return perm in allowed

    @property
    def is_unit(self) -> bool:
        return self.role == Role.UNIT_STAFF

    @property
    def actor(self) -> str:
        return f"{self.role}:{self.name}"


ANONYMOUS = Principal(name="anonymous", role="anonymous")
SYSTEM = Principal(name="system", role=Role.SYSTEM.value)
