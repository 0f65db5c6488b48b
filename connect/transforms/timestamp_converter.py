"""TimestampConverter: convert timestamps between text, Unix time and Connect's logical types.

Values are kept JSON-friendly: ``Timestamp`` is epoch milliseconds, ``Date`` days since
the epoch, ``Time`` milliseconds since midnight (UTC), each with Kafka Connect's
logical-type schema (``org.apache.kafka.connect.data.Timestamp`` …) when a schema is carried.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from pydantic import Field, field_validator

from connect.api import ConfigError, DataError
from connect.transforms.base import KeyOrValueTransform, R, TransformConfig
from connect.transforms.dateformat import DateFormat
from connect.transforms.schema import (
    DATE_NAME,
    TIME_NAME,
    TIMESTAMP_NAME,
    Schema,
    field_schema,
    fields_of,
    named,
    primitive,
    with_fields,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_PER_SECOND = {"seconds": 1, "milliseconds": 1_000, "microseconds": 1_000_000,
               "nanoseconds": 1_000_000_000}  # fmt: skip
TargetType = Literal["string", "unix", "Date", "Time", "Timestamp"]


class TimestampConverterConfig(TransformConfig):
    """Options of TimestampConverter."""

    target_type: TargetType = Field(alias="target.type", description="What to convert to")
    field: str = Field("", description="Field holding the timestamp; empty: the whole key/value")
    format: str | None = Field(
        None, description="SimpleDateFormat pattern for string input/output, e.g. yyyy-MM-dd"
    )
    unix_precision: Literal["seconds", "milliseconds", "microseconds", "nanoseconds"] = Field(
        "milliseconds", alias="unix.precision", description="Unit of Unix timestamps"
    )

    @field_validator("format")
    @classmethod
    def _pattern(cls, value: str | None) -> str | None:
        if value:
            DateFormat(value)  # raises ValueError for an unsupported pattern
        return value


def _target_schema(target: str, optional: bool) -> dict[str, Any]:
    if target == "string":
        return primitive("string", optional=optional)
    if target == "unix":
        return primitive("int64", optional=optional)
    if target == "Date":
        return primitive("int32", optional=optional, name=DATE_NAME)
    if target == "Time":
        return primitive("int32", optional=optional, name=TIME_NAME)
    return primitive("int64", optional=optional, name=TIMESTAMP_NAME)


class TimestampConverter(KeyOrValueTransform):
    """Convert the key/value (or its ``field``) to ``target.type``."""

    config_model = TimestampConverterConfig

    def configure(self, config: Mapping[str, Any]) -> None:
        self.options = cfg = TimestampConverterConfig.model_validate(dict(config))
        if cfg.target_type == "string" and not cfg.format:
            raise ConfigError("target.type=string needs a format, e.g. yyyy-MM-dd", key="format")
        self.target_type: TargetType = cfg.target_type
        self.field = cfg.field
        self.format = DateFormat(cfg.format) if cfg.format else None
        self.per_second = _PER_SECOND[cfg.unix_precision]

    # ------------------------------------------------------------ conversions

    def to_datetime(self, value: Any, schema: Schema | None) -> datetime:
        """The moment ``value`` denotes, read per its schema (or its Python type)."""
        name = schema.get("name") if schema else None
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day, tzinfo=UTC)
        if isinstance(value, str):
            if self.format is None:
                raise DataError("TimestampConverter: a string timestamp needs the format option")
            try:
                return self.format.parse(value)
            except ValueError as exc:
                raise DataError(f"TimestampConverter: {exc}") from exc
        if isinstance(value, int | float) and not isinstance(value, bool):
            if name == TIMESTAMP_NAME:
                return EPOCH + timedelta(milliseconds=value)
            if name == DATE_NAME:
                return EPOCH + timedelta(days=value)
            if name == TIME_NAME:
                return EPOCH + timedelta(milliseconds=value)
            if isinstance(value, float):
                return EPOCH + timedelta(seconds=value / self.per_second)
            return EPOCH + timedelta(microseconds=value * 1_000_000 // self.per_second)
        raise DataError(f"TimestampConverter: cannot read a timestamp from {type(value).__name__}")

    def from_datetime(self, moment: datetime) -> Any:
        delta = moment - EPOCH
        if self.target_type == "string":
            assert self.format is not None
            return self.format.format(moment.astimezone(UTC))
        if self.target_type == "unix":
            micros = delta // timedelta(microseconds=1)
            return micros * self.per_second // 1_000_000
        if self.target_type == "Date":
            return delta.days
        if self.target_type == "Time":
            return (delta - timedelta(days=delta.days)) // timedelta(milliseconds=1)
        return delta // timedelta(milliseconds=1)

    def convert(self, value: Any, schema: Schema | None) -> Any:
        if value is None:
            return None
        return self.from_datetime(self.to_datetime(value, schema))

    # ------------------------------------------------------------ apply

    def apply(self, record: R) -> R | None:
        data, schema = self.operand(record)
        if not self.field:
            new_schema = None
            if schema is not None:
                new_schema = _target_schema(self.target_type, bool(schema.get("optional")))
            return self.updated(record, self.convert(data, schema), new_schema)
        if data is None:
            return record
        value = self.require_map(data, "TimestampConverter")
        fs = field_schema(schema, self.field) if schema is not None else None
        if schema is not None and fs is None:
            raise DataError(f"TimestampConverter: field {self.field!r} is not in the schema")
        value[self.field] = self.convert(value.get(self.field), fs)
        if schema is None:
            return self.updated(record, value, None)
        fields = [
            named(f["field"], _target_schema(self.target_type, bool(f.get("optional"))))
            if f["field"] == self.field
            else f
            for f in fields_of(schema, "TimestampConverter")
        ]
        return self.updated(record, value, with_fields(schema, fields))


class TimestampConverterKey(TimestampConverter):
    """TimestampConverter on the record key."""

    target = "key"
    aliases = ("org.apache.kafka.connect.transforms.TimestampConverter$Key",)


class TimestampConverterValue(TimestampConverter):
    """TimestampConverter on the record value."""

    target = "value"
    aliases = ("org.apache.kafka.connect.transforms.TimestampConverter$Value",)
