"""ExtractField: replace the key or value with one of its fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field

from connect.api import DataError
from connect.transforms.base import KeyOrValueTransform, R, TransformConfig
from connect.transforms.schema import Schema, field_schema, fields_of


class ExtractFieldConfig(TransformConfig):
    """Options of ExtractField; with ``field.syntax.version=V2`` a dotted name is a path."""

    field: str = Field(min_length=1, description="Field to extract")
    field_syntax_version: Literal["V1", "V2", "v1", "v2"] = Field(
        "V1", alias="field.syntax.version", description="V2: a.b.c walks nested fields"
    )


class ExtractField(KeyOrValueTransform):
    """``{field: v, ...}`` becomes ``v``; a missing field gives ``None`` (schemaless)."""

    config_model = ExtractFieldConfig

    def configure(self, config: Mapping[str, Any]) -> None:
        self.options = cfg = ExtractFieldConfig.model_validate(dict(config))
        nested = cfg.field_syntax_version.upper() == "V2"
        self.path = cfg.field.split(".") if nested else [cfg.field]

    def apply(self, record: R) -> R | None:
        data, schema = self.operand(record)
        if data is None:
            return record
        current: Any = data
        current_schema: Schema | None = schema
        for name in self.path:
            if current is not None:
                current = self.require_map(current, "ExtractField").get(name)
            if current_schema is not None:
                fields_of(current_schema, "ExtractField")
                current_schema = field_schema(current_schema, name)
                if current_schema is None:
                    raise DataError(f"ExtractField: field {name!r} is not in the schema")
        return self.updated(record, current, current_schema)


class ExtractFieldKey(ExtractField):
    """ExtractField on the record key."""

    target = "key"
    aliases = ("org.apache.kafka.connect.transforms.ExtractField$Key",)


class ExtractFieldValue(ExtractField):
    """ExtractField on the record value."""

    target = "value"
    aliases = ("org.apache.kafka.connect.transforms.ExtractField$Value",)
