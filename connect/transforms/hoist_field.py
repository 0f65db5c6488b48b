"""HoistField: wrap the key or value in a struct/map with a single field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field

from connect.transforms.base import KeyOrValueTransform, R, TransformConfig
from connect.transforms.schema import named, struct


class HoistFieldConfig(TransformConfig):
    """Options of HoistField."""

    field: str = Field(min_length=1, description="Name of the single field to wrap into")


class HoistField(KeyOrValueTransform):
    """``v`` becomes ``{field: v}``; with a schema, a struct with one field of ``v``'s schema."""

    config_model = HoistFieldConfig

    def configure(self, config: Mapping[str, Any]) -> None:
        self.options = cfg = HoistFieldConfig.model_validate(dict(config))
        self.field = cfg.field

    def apply(self, record: R) -> R | None:
        data, schema = self.operand(record)
        new_schema = None if schema is None else struct([named(self.field, schema)])
        return self.updated(record, {self.field: data}, new_schema)


class HoistFieldKey(HoistField):
    """HoistField on the record key."""

    target = "key"
    aliases = ("org.apache.kafka.connect.transforms.HoistField$Key",)


class HoistFieldValue(HoistField):
    """HoistField on the record value."""

    target = "value"
    aliases = ("org.apache.kafka.connect.transforms.HoistField$Value",)
