"""Typed domain errors; the API maps each to one HTTP status in one place."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class DomainError(Exception):
    """Base of every refusal the domain makes on purpose."""

    code = "domain_error"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class NotFound(DomainError):
    code = "not_found"

    def __init__(self, entity: str, key: object) -> None:
        super().__init__(f"{entity} {key} not found", details={"entity": entity, "key": str(key)})


class InvalidInput(DomainError):
    code = "invalid_input"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", details={"field": field})
        self.field = field


class Conflict(DomainError):
    code = "conflict"


class TransitionNotAllowed(DomainError):
    """An action that the current state does not allow; nothing was changed."""

    code = "transition_not_allowed"

    def __init__(self, entity: str, state: str, action: str, allowed: Sequence[str]) -> None:
        super().__init__(
            f"{entity} in state '{state}' does not allow '{action}'",
            details={"state": state, "action": action, "allowed_actions": sorted(allowed)},
        )
        self.state = state
        self.action = action
        self.allowed = list(allowed)


class PermissionDenied(DomainError):
    code = "permission_denied"


class Unauthenticated(DomainError):
    code = "unauthenticated"
