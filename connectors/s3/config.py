"""The S3 connectors' options, named as the Confluent S3 sink names them where it has a name.

``S3StoreConfig`` holds what the sink and the source share (the bucket, the layout of
the archive, the format); ``S3SinkConfig`` adds rotation and upload, the source's
config (``source_config.py``) adds what to restore.
"""

from __future__ import annotations

import codecs
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator

from connect.api import CommaList, ConnectorConfig
from connectors.s3.extras import require_pyarrow
from connectors.s3.timeformat import TimeFormat

MB = 1024 * 1024

FORMAT_ALIASES: dict[str, str] = {
    "json": "json",
    "jsonformat": "json",
    "io.confluent.connect.s3.format.json.jsonformat": "json",
    "bytes": "bytes",
    "bytearray": "bytes",
    "bytearrayformat": "bytes",
    "text": "bytes",
    "io.confluent.connect.s3.format.bytearray.bytearrayformat": "bytes",
    "avro": "avro",
    "avroformat": "avro",
    "io.confluent.connect.s3.format.avro.avroformat": "avro",
    "parquet": "parquet",
    "parquetformat": "parquet",
    "io.confluent.connect.s3.format.parquet.parquetformat": "parquet",
}

PARTITIONER_ALIASES: dict[str, str] = {
    "default": "default",
    "defaultpartitioner": "default",
    "io.confluent.connect.storage.partitioner.defaultpartitioner": "default",
    "field": "field",
    "fieldpartitioner": "field",
    "io.confluent.connect.storage.partitioner.fieldpartitioner": "field",
    "time": "time",
    "timebasedpartitioner": "time",
    "io.confluent.connect.storage.partitioner.timebasedpartitioner": "time",
    "hourly": "hourly",
    "hourlypartitioner": "hourly",
    "io.confluent.connect.storage.partitioner.hourlypartitioner": "hourly",
    "daily": "daily",
    "dailypartitioner": "daily",
    "io.confluent.connect.storage.partitioner.dailypartitioner": "daily",
}

EXTRACTOR_ALIASES: dict[str, str] = {
    "record": "Record",
    "recordfield": "RecordField",
    "wallclock": "Wallclock",
}

_HOURLY = ("'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH", 3_600_000)
_DAILY = ("'year'=YYYY/'month'=MM/'day'=dd", 86_400_000)


def _alias(table: dict[str, str], what: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a {what} name")
    found = table.get(value.strip().lower())
    if found is None:
        choices = sorted({v for v in table.values()})
        raise ValueError(f"unknown {what} {value!r}; expected one of {', '.join(choices)}")
    return found


def unescape(value: str) -> str:
    r"""Turn ``\n``/``\t``/``\uXXXX`` escapes given literally (properties files) into characters."""
    if "\\" not in value:
        return value
    return codecs.decode(value, "unicode_escape")


class S3StoreConfig(ConnectorConfig):
    """What sink and source share: where the archive is, its layout and its format."""

    # ---------------------------------------------------------------- target
    bucket: str = Field(alias="s3.bucket.name", min_length=1, description="Target bucket")
    region: str = Field("us-east-1", alias="s3.region")
    store_url: str | None = Field(
        None, alias="store.url", description="Endpoint of OBS / MinIO / another S3 API"
    )
    path_style_access: bool = Field(False, alias="s3.path.style.access")
    access_key_id: str | None = Field(None, alias="aws.access.key.id")
    secret_access_key: SecretStr | None = Field(None, alias="aws.secret.access.key")
    topics_dir: str = Field("topics", alias="topics.dir")
    path_include_topic: bool = Field(
        True,
        alias="path.include.topic",
        description="Put <topic>/ between topics.dir and the encoded partition",
    )
    zero_pad_width: int = Field(10, ge=1, le=20, alias="filename.offset.zero.pad.width")

    # ---------------------------------------------------------------- format
    format: str = Field("json", alias="format.class")
    bytes_separator: str = Field("\n", alias="format.bytearray.separator")
    bytes_extension: str = Field(".bin", alias="format.bytearray.extension")
    bytes_key_separator: str = Field(":", alias="format.bytearray.key.separator")
    store_keys: bool = Field(
        False, alias="store.kafka.keys", description="bytes format: write key<separator>value"
    )
    envelope: bool = Field(
        False,
        alias="store.envelope",
        description="json/avro/parquet: write topic, partition, offset, timestamp, key, "
        "value and headers of each record instead of its value alone",
    )
    null_values: Literal["write", "ignore", "fail"] = Field(
        "write", alias="behavior.on.null.values"
    )
    avro_schema: str | None = Field(None, alias="avro.schema")
    avro_codec: Literal["null", "deflate", "snappy", "zstandard"] = Field(
        "null", alias="avro.codec"
    )
    parquet_codec: Literal["none", "snappy", "gzip", "zstd", "lz4"] = Field(
        "snappy", alias="parquet.codec"
    )

    # ---------------------------------------------------------------- partitioning
    partitioner: str = Field("default", alias="partitioner.class")
    partition_fields: CommaList = Field(default_factory=list, alias="partition.field.name")
    path_format: str | None = Field(None, alias="path.format")
    partition_duration_ms: int | None = Field(None, ge=1, alias="partition.duration.ms")
    timezone: str = Field("UTC", alias="timezone")
    locale: str = Field("en", alias="locale")
    timestamp_extractor: str = Field("Record", alias="timestamp.extractor")
    timestamp_field: str | None = Field(None, alias="timestamp.field")

    retry_backoff_ms: int = Field(200, ge=0, alias="s3.retry.backoff.ms")
    connect_timeout_ms: int = Field(5_000, ge=1, alias="s3.connect.timeout.ms")
    request_timeout_ms: int = Field(60_000, ge=1, alias="s3.request.timeout.ms")

    @field_validator("format", mode="before")
    @classmethod
    def _format(cls, value: Any) -> str:
        return _alias(FORMAT_ALIASES, "format.class", value)

    @field_validator("partitioner", mode="before")
    @classmethod
    def _partitioner(cls, value: Any) -> str:
        return _alias(PARTITIONER_ALIASES, "partitioner.class", value)

    @field_validator("timestamp_extractor", mode="before")
    @classmethod
    def _extractor(cls, value: Any) -> str:
        return _alias(EXTRACTOR_ALIASES, "timestamp.extractor", value)

    @field_validator("bytes_separator", "bytes_key_separator", mode="before")
    @classmethod
    def _unescape(cls, value: Any) -> Any:
        return unescape(value) if isinstance(value, str) else value

    @field_validator("topics_dir")
    @classmethod
    def _strip_slashes(cls, value: str) -> str:
        return value.strip("/")

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("path_format")
    @classmethod
    def _path_format(cls, value: str | None) -> str | None:
        if value is not None:
            TimeFormat(value)  # raises ValueError naming the bad letter
        return value

    @model_validator(mode="after")
    def _consistent(self) -> S3StoreConfig:
        if self.partitioner in ("hourly", "daily"):
            fmt, duration = _HOURLY if self.partitioner == "hourly" else _DAILY
            object.__setattr__(self, "partitioner", "time")
            if self.path_format is None:
                object.__setattr__(self, "path_format", fmt)
            if self.partition_duration_ms is None:
                object.__setattr__(self, "partition_duration_ms", duration)
        if self.partitioner == "field" and not self.partition_fields:
            raise ValueError("partitioner.class field needs partition.field.name")
        if self.partitioner == "time" and not self.path_format:
            raise ValueError("partitioner.class time needs path.format")
        if self.timestamp_extractor == "RecordField" and not self.timestamp_field:
            raise ValueError("timestamp.extractor RecordField needs timestamp.field")
        if self.store_keys and self.format != "bytes":
            raise ValueError(
                "store.kafka.keys applies to format.class bytes; use store.envelope to keep "
                "keys and headers with json, avro or parquet"
            )
        if self.format == "parquet":
            require_pyarrow()
        return self

    def prefix(self) -> str:
        """The key prefix everything of this connector lives under (``topics.dir/``)."""
        return f"{self.topics_dir}/" if self.topics_dir else ""


class S3SinkConfig(S3StoreConfig):
    """Options of the ``s3-sink`` connector (task-JSON keys are the aliases)."""

    # ---------------------------------------------------------------- rotation
    flush_size: int = Field(10_000, ge=1, alias="flush.size")
    rotate_interval_ms: int = Field(-1, alias="rotate.interval.ms")
    rotate_schedule_interval_ms: int = Field(-1, alias="rotate.schedule.interval.ms")

    # ---------------------------------------------------------------- upload
    part_size: int = Field(25 * MB, ge=5 * MB, le=5 * 1024 * MB, alias="s3.part.size")
    compression: Literal["none", "gzip"] = Field("none", alias="s3.compression.type")
    compression_level: int = Field(-1, ge=-1, le=9, alias="s3.compression.level")
    part_retries: int = Field(3, ge=0, alias="s3.part.retries")
    buffer_max_bytes: int = Field(128 * MB, ge=1 * MB, alias="s3.buffer.max.bytes")
    upload_concurrency: int = Field(4, ge=1, le=64, alias="s3.upload.concurrency")

    @property
    def needs_timestamp(self) -> bool:
        """Whether records' timestamps are extracted (time partitioning or record-time rotation)."""
        return self.partitioner == "time" or self.rotate_interval_ms > 0

    @property
    def exactly_once(self) -> bool:
        """Whether replays rewrite exactly the same objects (see docs/s3.md)."""
        return self.timestamp_extractor != "Wallclock" and self.rotate_schedule_interval_ms <= 0
