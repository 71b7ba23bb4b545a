"""Regenerate the committed exchange JSON Schemas from the message models."""

from __future__ import annotations

from pathlib import Path

from liandong.exchange.messages import SCHEMAS
from liandong.exchange.schemas import render

OUT = Path(__file__).resolve().parents[1] / "src/liandong/exchange/schemas/v1"

if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for name in SCHEMAS:
        (OUT / f"{name}.json").write_text(render(name), encoding="utf-8")
        print(f"wrote {name}.json")
