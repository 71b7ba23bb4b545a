"""Exchange schemas served at /schemas/v1/{name}.json, and validation of a document against one."""

from __future__ import annotations

from typing import Any

from fastapi import Body
from fastapi.responses import JSONResponse

from liandong.api.routing import Router
from liandong.exchange import schemas
from liandong.exchange.messages import SCHEMAS

router = Router(tags=["exchange schemas"])


@router.get("/schemas/v1")
def list_schemas() -> dict[str, list[str]]:
    return {"schemas": [f"/schemas/v1/{name}.json" for name in SCHEMAS]}


@router.get("/schemas/v{version}/{name}.json")
def get_schema(version: str, name: str) -> JSONResponse:
    return JSONResponse(schemas.load(name, version), media_type="application/schema+json")


@router.post("/api/v1/exchange/validate/{name}")
def validate_document(name: str, document: Any = Body(...)) -> dict[str, Any]:
    """Check a document against a schema without storing anything."""
    schemas.load(name)
    schemas.validate(name, document)
    return {"valid": True, "schema": f"/schemas/v1/{name}.json"}
