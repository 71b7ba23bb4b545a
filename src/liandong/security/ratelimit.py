"""Sliding-window rate limits for the intake endpoints, per token and per caller number.

Kept in process memory: each API process enforces its own window (a deployment with N processes allows up to N
times the limit; put a shared limiter in the reverse proxy for a hard global cap).
"""

from __future__ import annotations

import threading
import time
from collections import deque

from liandong.core.errors import DomainError


class RateLimited(DomainError):
    code = "rate_limited"


class SlidingWindow:
    def __init__(self, *, limit: int, window_seconds: float) -> None:
        self.limit = limit
        self.window = window_seconds
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, *, now: float | None = None) -> None:
        """Count one hit for `key`, or raise RateLimited when the window is full."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                retry = max(0.0, hits[0] + self.window - now)
                raise RateLimited(
                    "too many requests; slow down", details={"retry_after_seconds": round(retry, 1)}
                )
            hits.append(now)
            if len(self._hits) > 100_000:  # bound memory under a flood of distinct keys
                self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > now - self.window}
