"""JSON Schema files for the exchange messages: generated from the models, committed, validated against."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from liandong.core.errors import InvalidInput, NotFound
from liandong.exchange.messages import SCHEMAS, VERSION

BASE_URI = "https://liandong.org/schemas"


def generate(name: str) -> dict[str, Any]:
    """The JSON Schema of a message, as committed under exchange/schemas/v1/."""
    schema = SCHEMAS[name].model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"{BASE_URI}/v{VERSION}/{name}.json"
    return schema


def render(name: str) -> str:
    return json.dumps(generate(name), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


@lru_cache
def load(name: str, version: str = VERSION) -> dict[str, Any]:
    if name not in SCHEMAS or version != VERSION:
        raise NotFound("schema", f"v{version}/{name}")
    text = resources.files("liandong.exchange").joinpath(f"schemas/v{version}/{name}.json").read_text("utf-8")
    return dict(json.loads(text))


@lru_cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(load(name), format_checker=Draft202012Validator.FORMAT_CHECKER)


def validate(name: str, document: Any) -> None:
    """InvalidInput naming the first bad field when `document` breaks the schema."""
    errors = sorted(_validator(name).iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        first: ValidationError = errors[0]
        field = ".".join(str(p) for p in first.absolute_path) or "(document)"
        raise InvalidInput(field, first.message[:500])
