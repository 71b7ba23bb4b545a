"""Registers every domain's outbox handlers with the worker."""

from __future__ import annotations


def register_all() -> None:
    """Import the modules whose @handler decorators register job topics."""
    return None
