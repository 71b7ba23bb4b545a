"""The OpenAPI document states the real error bodies and status codes, so clients and fuzzers can rely on it."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

ERROR_BODY = {
    "title": "ErrorBody",
    "type": "object",
    "required": ["code", "message", "details"],
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "details": {"type": "object"},
    },
}
OPEN311_ERROR = {
    "title": "Open311Errors",
    "type": "array",
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
    },
}
ERROR_STATUSES = {
    "400": "Bad request",
    "401": "Authentication required",
    "403": "Not allowed for this role",
    "404": "Not found",
    "409": "Conflict: the action is not allowed in the current state, or a duplicate",
    "413": "Body too large",
    "422": "Invalid input: the field is named",
    "429": "Rate limited",
}


def _error_response(description: str, schema_ref: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": schema_ref}}}}


def install(app: FastAPI) -> None:
    def custom() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = doc.setdefault("components", {}).setdefault("schemas", {})
        components["ErrorBody"] = ERROR_BODY
        components["Open311Errors"] = OPEN311_ERROR
        for path, operations in doc.get("paths", {}).items():
            ref = (
                "#/components/schemas/Open311Errors"
                if path.startswith("/open311/")
                else "#/components/schemas/ErrorBody"
            )
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, description in ERROR_STATUSES.items():
                    responses[status] = _error_response(description, ref)
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        app.openapi_schema = doc
        return doc

    app.openapi = custom  # type: ignore[method-assign]
