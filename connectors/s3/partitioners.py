"""Partitioners choose the path (the "encoded partition") each record's object goes under,
and timestamp extractors give the record time used by time partitioning and rotation."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from connect.api import ConfigError, DataError, SinkRecord
from connectors.s3.config import S3SinkConfig
from connectors.s3.timeformat import TimeFormat

TimestampExtractor = Callable[[SinkRecord], int]


def _where(record: SinkRecord) -> str:
    return f"{record.topic}-{record.partition}@{record.offset}"


def field_value(value: Any, path: str) -> Any:
    """The value at dotted ``path`` in a (nested) mapping record value."""
    current = value
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            raise KeyError(path)
        current = current[part]
    return current


def to_millis(value: Any) -> int:
    """Milliseconds since the epoch from a number (ms) or an ISO 8601 / numeric string."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not a timestamp")
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return int(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return int(moment.timestamp() * 1000)
    raise ValueError(f"a {type(value).__name__} is not a timestamp")


def timestamp_extractor(config: S3SinkConfig) -> TimestampExtractor:
    """The ``timestamp.extractor`` of ``config``."""
    kind = config.timestamp_extractor
    if kind == "Wallclock":
        return lambda record: int(time.time() * 1000)
    if kind == "RecordField":
        path = config.timestamp_field or ""

        def from_field(record: SinkRecord) -> int:
            try:
                return to_millis(field_value(record.value, path))
            except (KeyError, ValueError) as exc:
                raise DataError(
                    f"record {_where(record)}: no usable timestamp in field {path!r} ({exc})"
                ) from exc

        return from_field

    def from_record(record: SinkRecord) -> int:
        if record.timestamp is None:
            raise DataError(
                f"record {_where(record)} has no timestamp (timestamp.extractor Record)"
            )
        return record.timestamp

    return from_record


def align(timestamp: int, duration_ms: int, zone: ZoneInfo) -> int:
    """The start (ms) of the ``duration_ms`` period ``timestamp`` falls in, in ``zone``."""
    moment = datetime.fromtimestamp(timestamp / 1000, UTC).astimezone(zone)
    offset = moment.utcoffset()
    shift = int(offset.total_seconds() * 1000) if offset else 0
    local = timestamp + shift
    return local - local % duration_ms - shift


class Partitioner:
    """Maps a record (and its extracted time) to an encoded partition path."""

    def encode(self, record: SinkRecord, timestamp: int | None) -> str:
        raise NotImplementedError


class DefaultPartitioner(Partitioner):
    """``partition=<kafka partition>``."""

    def encode(self, record: SinkRecord, timestamp: int | None) -> str:
        return f"partition={record.partition}"


class FieldPartitioner(Partitioner):
    """``<field>=<value>/...`` for each of ``partition.field.name`` in the record value."""

    def __init__(self, fields: list[str]) -> None:
        self.fields = fields

    def encode(self, record: SinkRecord, timestamp: int | None) -> str:
        parts = []
        for name in self.fields:
            try:
                value = field_value(record.value, name)
            except KeyError:
                raise DataError(
                    f"record {_where(record)}: field {name!r} (partition.field.name) is missing "
                    "or the value is not a struct/map"
                ) from None
            if isinstance(value, Mapping | list):
                raise DataError(f"record {_where(record)}: field {name!r} is not a primitive value")
            text = (
                "null"
                if value is None
                else str(value).lower()
                if isinstance(value, bool)
                else str(value)
            )
            parts.append(f"{name}={text.replace('/', '_')}")
        return "/".join(parts)


class TimeBasedPartitioner(Partitioner):
    """Record time floored to ``partition.duration.ms`` (in ``timezone``), rendered with
    ``path.format``."""

    def __init__(self, path_format: str, duration_ms: int | None, timezone: str) -> None:
        self.format = TimeFormat(path_format)
        self.duration_ms = duration_ms
        self.zone = ZoneInfo(timezone)
        self._cache: dict[int, str] = {}

    def bucket(self, timestamp: int) -> int:
        """The start (ms) of the period ``timestamp`` falls in, aligned in the local zone."""
        if not self.duration_ms:
            return timestamp
        return align(timestamp, self.duration_ms, self.zone)

    def encode(self, record: SinkRecord, timestamp: int | None) -> str:
        if timestamp is None:
            raise DataError(f"record {_where(record)}: no timestamp for the time partitioner")
        start = self.bucket(timestamp)
        cached = self._cache.get(start)
        if cached is None:
            moment = datetime.fromtimestamp(start / 1000, UTC).astimezone(self.zone)
            cached = self.format.format(moment)
            if len(self._cache) > 4096:
                self._cache.clear()
            self._cache[start] = cached
        return cached


def make_partitioner(config: S3SinkConfig) -> Partitioner:
    """The ``partitioner.class`` of ``config``."""
    if config.partitioner == "default":
        return DefaultPartitioner()
    if config.partitioner == "field":
        return FieldPartitioner(list(config.partition_fields))
    if config.partitioner == "time" and config.path_format:
        return TimeBasedPartitioner(
            config.path_format, config.partition_duration_ms, config.timezone
        )
    raise ConfigError(f"unsupported partitioner {config.partitioner!r}", key="partitioner.class")
