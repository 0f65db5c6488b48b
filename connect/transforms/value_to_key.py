"""ValueToKey: build the record key from fields of the value."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field

from connect.api import CommaList, DataError, Transformation
from connect.transforms.base import VERSION, R, TransformConfig
from connect.transforms.schema import field_schema, fields_of, named, struct


class ValueToKeyConfig(TransformConfig):
    """Options of ValueToKey."""

    fields: CommaList = Field(min_length=1, description="Value fields that make up the key")


class ValueToKey(Transformation):
    """Replace the key with a struct/map of ``fields`` taken from the value."""

    version = VERSION

    config_model = ValueToKeyConfig
    aliases = ("org.apache.kafka.connect.transforms.ValueToKey",)

    def configure(self, config: Mapping[str, Any]) -> None:
        self.options = cfg = ValueToKeyConfig.model_validate(dict(config))
        self.fields = cfg.fields

    def apply(self, record: R) -> R | None:
        value = record.value
        if not isinstance(value, Mapping):
            raise DataError(f"ValueToKey needs a struct/map value, got {type(value).__name__}")
        schema = record.value_schema
        if schema is None:
            return record.with_(key={name: value.get(name) for name in self.fields})
        fields_of(schema, "ValueToKey")
        key_fields = []
        for name in self.fields:
            fs = field_schema(schema, name)
            if fs is None:
                raise DataError(f"ValueToKey: field {name!r} is not in the value schema")
            key_fields.append(named(name, fs))
        key = {name: value.get(name) for name in self.fields}
        return record.with_(key=key, key_schema=struct(key_fields))
