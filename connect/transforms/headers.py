"""Header transforms: InsertHeader, DropHeaders and HeaderFrom."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field

from connect.api import CommaList, ConfigError, DataError, Transformation
from connect.transforms.base import VERSION, KeyOrValueTransform, R, TransformConfig
from connect.transforms.schema import fields_of, with_fields


def header_bytes(value: Any) -> bytes | None:
    """A value as header bytes: text as UTF-8, bytes as they are, anything else as JSON."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    try:
        return json.dumps(value, separators=(",", ":")).encode()
    except (TypeError, ValueError) as exc:
        raise DataError(f"cannot write a {type(value).__name__} into a header") from exc


class InsertHeaderConfig(TransformConfig):
    """Options of InsertHeader."""

    header: str = Field(min_length=1, description="Header name")
    value_literal: str = Field(alias="value.literal", description="Header value (text)")


class InsertHeader(Transformation):
    """Add a header with a constant value."""

    version = VERSION

    config_model = InsertHeaderConfig
    aliases = ("org.apache.kafka.connect.transforms.InsertHeader",)

    def configure(self, config: Mapping[str, Any]) -> None:
        self.options = cfg = InsertHeaderConfig.model_validate(dict(config))
        self.header = (cfg.header, cfg.value_literal.encode())

    def apply(self, record: R) -> R | None:
        return record.with_(headers=(*record.headers, self.header))


class DropHeadersConfig(TransformConfig):
    """Options of DropHeaders."""

    headers: CommaList = Field(min_length=1, description="Header names to remove")


class DropHeaders(Transformation):
    """Remove every header with one of the given names."""

    version = VERSION

    config_model = DropHeadersConfig
    aliases = ("org.apache.kafka.connect.transforms.DropHeaders",)

    def configure(self, config: Mapping[str, Any]) -> None:
        self.options = cfg = DropHeadersConfig.model_validate(dict(config))
        self.names = set(cfg.headers)

    def apply(self, record: R) -> R | None:
        return record.with_(headers=tuple(h for h in record.headers if h[0] not in self.names))


class HeaderFromConfig(TransformConfig):
    """Options of HeaderFrom: ``fields[i]`` goes to header ``headers[i]``."""

    fields: CommaList = Field(min_length=1, description="Fields to copy or move into headers")
    headers: CommaList = Field(min_length=1, description="Header names, one per field")
    operation: Literal["copy", "move"] = Field(description="copy keeps the fields, move drops them")


class HeaderFrom(KeyOrValueTransform):
    """Copy or move fields of the key/value into headers (text as UTF-8, others as JSON)."""

    config_model = HeaderFromConfig

    def configure(self, config: Mapping[str, Any]) -> None:
        self.options = cfg = HeaderFromConfig.model_validate(dict(config))
        if len(cfg.fields) != len(cfg.headers):
            raise ConfigError("give one header name per field", key="headers")
        self.pairs = list(zip(cfg.fields, cfg.headers, strict=True))
        self.move = cfg.operation == "move"

    def apply(self, record: R) -> R | None:
        data, schema = self.operand(record)
        if data is None:
            return record
        value = self.require_map(data, "HeaderFrom")
        added = tuple((header, header_bytes(value.get(name))) for name, header in self.pairs)
        record = record.with_(headers=(*record.headers, *added))
        if not self.move:
            return record
        moved = {name for name, _ in self.pairs}
        value = {k: v for k, v in value.items() if k not in moved}
        if schema is not None:
            fields = [f for f in fields_of(schema, "HeaderFrom") if f["field"] not in moved]
            schema = with_fields(schema, fields)
        return self.updated(record, value, schema)


class HeaderFromKey(HeaderFrom):
    """HeaderFrom on the record key."""

    target = "key"
    aliases = ("org.apache.kafka.connect.transforms.HeaderFrom$Key",)


class HeaderFromValue(HeaderFrom):
    """HeaderFrom on the record value."""

    target = "value"
    aliases = ("org.apache.kafka.connect.transforms.HeaderFrom$Value",)
