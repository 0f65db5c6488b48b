"""ReplaceField: keep, drop and rename the fields of a struct/map."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field, field_validator

from connect.api import CommaList
from connect.transforms.base import KeyOrValueTransform, R, TransformConfig
from connect.transforms.schema import fields_of, with_fields


class ReplaceFieldConfig(TransformConfig):
    """Options of ReplaceField; ``whitelist``/``blacklist`` are the pre-2.6 names."""

    include: CommaList = Field(default_factory=list, description="Fields to keep (all when empty)")
    exclude: CommaList = Field(default_factory=list, description="Fields to drop")
    whitelist: CommaList = Field(default_factory=list, description="Old name of include")
    blacklist: CommaList = Field(default_factory=list, description="Old name of exclude")
    renames: CommaList = Field(
        default_factory=list, description="Renames as old:new pairs, e.g. a:b,c:d"
    )

    @field_validator("renames")
    @classmethod
    def _pairs(cls, value: list[str]) -> list[str]:
        for pair in value:
            old, sep, new = pair.partition(":")
            if not sep or not old or not new or ":" in new:
                raise ValueError(f"{pair!r} is not an old:new pair")
        return value


class ReplaceField(KeyOrValueTransform):
    """Filter fields with ``include``/``exclude``, then rename them with ``renames``."""

    config_model = ReplaceFieldConfig

    def configure(self, config: Mapping[str, Any]) -> None:
        self.options = cfg = ReplaceFieldConfig.model_validate(dict(config))
        self.include = set(cfg.include) | set(cfg.whitelist)
        self.exclude = set(cfg.exclude) | set(cfg.blacklist)
        self.renames = dict(pair.split(":", 1) for pair in cfg.renames)

    def _keeps(self, name: str) -> bool:
        return name not in self.exclude and (not self.include or name in self.include)

    def apply(self, record: R) -> R | None:
        data, schema = self.operand(record)
        if data is None:
            return record
        value = self.require_map(data, "ReplaceField")
        out = {self.renames.get(k, k): v for k, v in value.items() if self._keeps(k)}
        if schema is None:
            return self.updated(record, out, None)
        fields = [
            {**f, "field": self.renames.get(f["field"], f["field"])}
            for f in fields_of(schema, "ReplaceField")
            if self._keeps(f["field"])
        ]
        return self.updated(record, out, with_fields(schema, fields))


class ReplaceFieldKey(ReplaceField):
    """ReplaceField on the record key."""

    target = "key"
    aliases = ("org.apache.kafka.connect.transforms.ReplaceField$Key",)


class ReplaceFieldValue(ReplaceField):
    """ReplaceField on the record value."""

    target = "value"
    aliases = ("org.apache.kafka.connect.transforms.ReplaceField$Value",)
