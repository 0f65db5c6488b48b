"""Kafka Connect JSON schemas as the JSON converter carries them (``schemas.enable``).

A struct schema looks like ``{"type": "struct", "fields": [{"field": "id", "type":
"int64", "optional": false}, ...], "optional": false}``. Transforms that reshape a value
reshape its schema with these helpers, so the envelope written back stays truthful.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connect.api import DataError

Schema = Mapping[str, Any]

TIMESTAMP_NAME = "org.apache.kafka.connect.data.Timestamp"
DATE_NAME = "org.apache.kafka.connect.data.Date"
TIME_NAME = "org.apache.kafka.connect.data.Time"

INTEGER_TYPES = ("int8", "int16", "int32", "int64")
FLOAT_TYPES = ("float32", "float64", "double", "float")
PRIMITIVE_TYPES = (*INTEGER_TYPES, *FLOAT_TYPES, "boolean", "string", "bytes")


def primitive(type_: str, *, optional: bool = False, name: str | None = None) -> dict[str, Any]:
    """A primitive schema, e.g. ``primitive("int64", name=TIMESTAMP_NAME)``."""
    schema: dict[str, Any] = {"type": type_, "optional": optional}
    if name:
        schema["name"] = name
        schema["version"] = 1
    return schema


def is_struct(schema: Schema | None) -> bool:
    return schema is not None and schema.get("type") == "struct"


def fields_of(schema: Schema, what: str) -> list[dict[str, Any]]:
    """The field schemas of a struct schema (copies); DataError when not a struct."""
    if not is_struct(schema):
        raise DataError(f"{what} needs a struct schema, got type {schema.get('type')!r}")
    return [dict(f) for f in schema.get("fields", ())]


def field_schema(schema: Schema, name: str) -> dict[str, Any] | None:
    """The schema of field ``name`` in a struct schema, without its ``field`` key."""
    for f in schema.get("fields", ()):
        if f.get("field") == name:
            return without_name(f)
    return None


def without_name(field: Mapping[str, Any]) -> dict[str, Any]:
    """A field entry turned into a plain schema (the ``field`` key dropped)."""
    return {k: v for k, v in field.items() if k != "field"}


def named(name: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    """A plain schema turned into a struct field entry called ``name``."""
    return {"field": name, **without_name(schema)}


def with_fields(schema: Schema, fields: list[dict[str, Any]]) -> dict[str, Any]:
    """A copy of struct ``schema`` (name, doc, optional kept) with new ``fields``."""
    return {**schema, "fields": fields}


def struct(fields: list[dict[str, Any]], *, optional: bool = False) -> dict[str, Any]:
    """A new struct schema with ``fields``."""
    return {"type": "struct", "fields": fields, "optional": optional}


def as_optional(schema: Mapping[str, Any]) -> dict[str, Any]:
    return {**schema, "optional": True}
