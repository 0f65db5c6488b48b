"""Avro schemas for record keys and values: from a Kafka Connect schema, or inferred."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from connect.api import DataError

_PRIMITIVES = {
    "int8": "int",
    "int16": "int",
    "int32": "int",
    "int64": "long",
    "float32": "float",
    "float": "float",
    "float64": "double",
    "double": "double",
    "boolean": "boolean",
    "string": "string",
    "bytes": "bytes",
}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _record_name(schema: Mapping[str, Any], default: str) -> str:
    name = str(schema.get("name") or default).split(".")[-1]
    name = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return name if _NAME.match(name) else f"_{name}"


def connect_to_avro(schema: Mapping[str, Any], name: str = "Value") -> Any:
    """The Avro schema for a Kafka Connect JSON schema (``schemas.enable`` envelopes)."""
    kind = schema.get("type")
    avro: Any
    if kind in _PRIMITIVES:
        avro = _PRIMITIVES[str(kind)]
    elif kind == "array":
        avro = {
            "type": "array",
            "items": connect_to_avro(schema.get("items") or {}, name + "_item"),
        }
    elif kind == "map":
        avro = {"type": "map", "values": connect_to_avro(schema.get("values") or {}, name + "_v")}
    elif kind == "struct":
        record = _record_name(schema, name)
        fields = []
        for field in schema.get("fields") or []:
            fname = str(field.get("field"))
            ftype = connect_to_avro(field, f"{record}_{fname}")
            entry: dict[str, Any] = {"name": fname, "type": ftype}
            if isinstance(ftype, list) and ftype[0] == "null":
                entry["default"] = None
            fields.append(entry)
        avro = {"type": "record", "name": record, "fields": fields}
    else:
        raise DataError(f"cannot map Kafka Connect schema type {kind!r} to Avro")
    if schema.get("optional"):
        return ["null", avro]
    return avro


def infer_avro(value: Any, name: str = "Value") -> Any:
    """An Avro schema that fits ``value`` (used when a record carries no schema)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bytes | bytearray):
        return "bytes"
    if isinstance(value, list):
        items = next((v for v in value if v is not None), None)
        item_schema = infer_avro(items, name + "_item") if items is not None else "string"
        if any(v is None for v in value):
            item_schema = ["null", item_schema] if item_schema != "null" else "null"
        return {"type": "array", "items": item_schema}
    if isinstance(value, Mapping):
        if all(isinstance(k, str) and _NAME.match(k) for k in value):
            fields = []
            for key, item in value.items():
                ftype = infer_avro(item, f"{name}_{key}")
                if ftype == "null":
                    fields.append({"name": key, "type": "null", "default": None})
                else:
                    fields.append({"name": key, "type": ftype})
            return {"type": "record", "name": name, "fields": fields}
        first = next((v for v in value.values() if v is not None), None)
        inner = infer_avro(first, name + "_v") if first is not None else "string"
        return {"type": "map", "values": ["null", inner]}
    raise DataError(f"cannot write a {type(value).__name__} as Avro")
