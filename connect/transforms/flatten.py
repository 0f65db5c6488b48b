"""Flatten: nested structs/maps become top-level fields joined by a delimiter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field

from connect.transforms.base import KeyOrValueTransform, R, TransformConfig
from connect.transforms.schema import as_optional, is_struct, named, with_fields, without_name


class FlattenConfig(TransformConfig):
    """Options of Flatten."""

    delimiter: str = Field(".", description="Joins the names of nested fields")


class Flatten(KeyOrValueTransform):
    """``{"a": {"b": 1}}`` becomes ``{"a.b": 1}``; arrays are kept as they are."""

    config_model = FlattenConfig

    def configure(self, config: Mapping[str, Any]) -> None:
        self.options = cfg = FlattenConfig.model_validate(dict(config))
        self.delimiter = cfg.delimiter

    def _name(self, prefix: str, name: str) -> str:
        return f"{prefix}{self.delimiter}{name}" if prefix else name

    def _flat_map(self, prefix: str, value: Mapping[str, Any], out: dict[str, Any]) -> None:
        for name, item in value.items():
            full = self._name(prefix, str(name))
            if isinstance(item, Mapping):
                self._flat_map(full, item, out)
            else:
                out[full] = item

    def _flat_struct(
        self,
        prefix: str,
        schema: Mapping[str, Any],
        value: Mapping[str, Any] | None,
        optional_parent: bool,
        fields: list[dict[str, Any]],
        out: dict[str, Any],
    ) -> None:
        for f in schema.get("fields", ()):
            full = self._name(prefix, f["field"])
            item = None if value is None else value.get(f["field"])
            optional = optional_parent or bool(f.get("optional", False))
            if is_struct(f):
                nested = item if isinstance(item, Mapping) else None
                self._flat_struct(full, f, nested, optional, fields, out)
            else:
                fs = without_name(f)
                fields.append(named(full, as_optional(fs) if optional else fs))
                out[full] = item

    def apply(self, record: R) -> R | None:
        data, schema = self.operand(record)
        if data is None:
            return record
        value = self.require_map(data, "Flatten")
        out: dict[str, Any] = {}
        if schema is None or not is_struct(schema):
            self._flat_map("", value, out)
            return self.updated(record, out, schema)
        fields: list[dict[str, Any]] = []
        self._flat_struct("", schema, value, False, fields, out)
        return self.updated(record, out, with_fields(schema, fields))


class FlattenKey(Flatten):
    """Flatten on the record key."""

    target = "key"
    aliases = ("org.apache.kafka.connect.transforms.Flatten$Key",)


class FlattenValue(Flatten):
    """Flatten on the record value."""

    target = "value"
    aliases = ("org.apache.kafka.connect.transforms.Flatten$Value",)
