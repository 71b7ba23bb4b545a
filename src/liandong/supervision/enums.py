"""Supervision (督办) vocabularies."""

from __future__ import annotations

from enum import StrEnum


class SupervisionStatus(StrEnum):
    OPEN = "open"  # 待答复
    ANSWERED = "answered"  # 承办单位已答复
