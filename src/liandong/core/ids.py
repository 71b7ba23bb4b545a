"""Identifier types: database ids are positive 32-bit integers on every backend."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from pydantic import Field

MAX_ID = 2_147_483_647

DbId = Annotated[int, Field(gt=0, le=MAX_ID)]
IdPath = Annotated[int, Path(gt=0, le=MAX_ID)]
IdQuery = Annotated[int | None, Query(gt=0, le=MAX_ID)]
