"""Principals recently authenticated by this process, reused for a few seconds.

Every API call presents a bearer token; looking it up costs a database round trip and an ORM load per call, about
a tenth of a request's work on the intake path. A process keeps the principal for `ttl` seconds (never past the
token's own expiry). Revoking or logging out through this process clears the cache at once; a revocation made by
another process or node takes effect here within `ttl` seconds (settings.auth_cache_seconds; 0 turns this off).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

from liandong.core.timeutil import utcnow
from liandong.security.principal import Principal
from liandong.security.service import token_hash

MAX_ENTRIES = 10_000  # a bound on memory if many distinct tokens call; the cache starts over when reached


class PrincipalCache:
    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._entries: dict[str, tuple[float, Principal]] = {}

    def get(self, raw: str, *, source_ip: str | None) -> Principal | None:
        if self.ttl <= 0:
            return None
        key = token_hash(raw)
        entry = self._entries.get(key)
        if entry is None:
            return None
        until, principal = entry
        if self._clock() >= until or (principal.expires_at is not None and principal.expires_at <= utcnow()):
            self._entries.pop(key, None)
            return None
        return dataclasses.replace(principal, source_ip=source_ip)

    def put(self, raw: str, principal: Principal) -> None:
        if self.ttl <= 0:
            return
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[token_hash(raw)] = (self._clock() + self.ttl, principal)

    def clear(self) -> None:
        self._entries.clear()
