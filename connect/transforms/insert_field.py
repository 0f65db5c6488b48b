"""InsertField: add the record's topic, partition, offset, timestamp or a constant."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from pydantic import Field

from connect.api import DataError, SinkRecord
from connect.transforms.base import KeyOrValueTransform, R, TransformConfig
from connect.transforms.schema import (
    TIMESTAMP_NAME,
    fields_of,
    is_struct,
    named,
    primitive,
    with_fields,
)


class InsertFieldConfig(TransformConfig):
    """Options of InsertField; a name ending in ``!`` is required, ``?`` (default) optional."""

    topic_field: str | None = Field(None, alias="topic.field", description="Field for the topic")
    partition_field: str | None = Field(
        None, alias="partition.field", description="Field for the Kafka partition"
    )
    offset_field: str | None = Field(
        None, alias="offset.field", description="Field for the Kafka offset (sink records only)"
    )
    timestamp_field: str | None = Field(
        None, alias="timestamp.field", description="Field for the record timestamp (epoch ms)"
    )
    static_field: str | None = Field(None, alias="static.field", description="Field for a constant")
    static_value: str | None = Field(None, alias="static.value", description="The constant")


class _Spec(NamedTuple):
    name: str
    optional: bool


def _spec(text: str | None) -> _Spec | None:
    if not text:
        return None
    if text.endswith("!"):
        return _Spec(text[:-1], False)
    if text.endswith("?"):
        return _Spec(text[:-1], True)
    return _Spec(text, True)


class InsertField(KeyOrValueTransform):
    """Insert record metadata (topic, partition, offset, timestamp) or a static value.

    Tombstones (``None``) pass unchanged. Timestamps are inserted as epoch milliseconds
    (schema: int64 with Kafka Connect's ``Timestamp`` logical name).
    """

    config_model = InsertFieldConfig

    def configure(self, config: Mapping[str, Any]) -> None:
        self.options = cfg = InsertFieldConfig.model_validate(dict(config))
        self.topic = _spec(cfg.topic_field)
        self.partition = _spec(cfg.partition_field)
        self.offset = _spec(cfg.offset_field)
        self.timestamp = _spec(cfg.timestamp_field)
        self.static = _spec(cfg.static_field)
        self.static_value = cfg.static_value

    def _inserts(self, record: Any) -> list[tuple[_Spec, str, Any]]:
        inserts: list[tuple[_Spec, str, Any]] = []
        if self.topic:
            inserts.append((self.topic, "string", record.topic))
        if self.partition:
            partition = getattr(record, "partition", None)
            inserts.append((self.partition, "int32", partition))
        if self.offset:
            if not isinstance(record, SinkRecord):
                raise DataError("InsertField offset.field only works on sink records")
            inserts.append((self.offset, "int64", record.offset))
        if self.timestamp:
            inserts.append((self.timestamp, "timestamp", record.timestamp))
        if self.static:
            inserts.append((self.static, "string", self.static_value))
        return inserts

    def apply(self, record: R) -> R | None:
        data, schema = self.operand(record)
        if data is None:
            return record
        value = self.require_map(data, "InsertField")
        inserts = self._inserts(record)
        for spec, _, item in inserts:
            if item is None and not spec.optional:
                raise DataError(f"InsertField: {spec.name} is required but the record has none")
            value[spec.name] = item
        if schema is None:
            return self.updated(record, value, None)
        if not is_struct(schema):
            raise DataError(f"InsertField needs a struct {self.target} schema")
        names = {spec.name for spec, _, _ in inserts}
        fields = [f for f in fields_of(schema, "InsertField") if f.get("field") not in names]
        for spec, type_, _ in inserts:
            if type_ == "timestamp":
                field_type = primitive("int64", optional=spec.optional, name=TIMESTAMP_NAME)
            else:
                field_type = primitive(type_, optional=spec.optional)
            fields.append(named(spec.name, field_type))
        return self.updated(record, value, with_fields(schema, fields))


class InsertFieldKey(InsertField):
    """InsertField on the record key."""

    target = "key"
    aliases = ("org.apache.kafka.connect.transforms.InsertField$Key",)


class InsertFieldValue(InsertField):
    """InsertField on the record value."""

    target = "value"
    aliases = ("org.apache.kafka.connect.transforms.InsertField$Value",)


__all__ = ["InsertFieldConfig", "InsertFieldKey", "InsertFieldValue"]
