"""Object formats: how records become the bytes of one object.

A ``Format`` makes one ``FileEncoder`` per object. Encoders that can stream (JSON lines,
bytes, Avro blocks) hand bytes over as they are produced so the uploader can ship
parts while the file is still open; Parquet keeps its rows until ``finish``.

``encoder.accepts(record)`` says whether a record fits the object's schema (Avro,
Parquet with Kafka Connect schemas); one that does not rotates the files — a decision
taken from the records alone, so replays produce the same objects.
"""

from __future__ import annotations

import base64
import io
import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from connect.api import ConfigError, DataError, SinkRecord
from connectors.s3.avro_schema import connect_to_avro, infer_avro
from connectors.s3.config import S3SinkConfig
from connectors.s3.envelope import (
    avro_envelope,
    avro_envelope_schema,
    json_envelope,
    parquet_envelope,
)
from connectors.s3.extras import require_pyarrow


def _json_default(obj: Any) -> Any:
    if isinstance(obj, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(obj)).decode("ascii")
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")


class FileEncoder(ABC):
    """Encodes the records of one object."""

    @abstractmethod
    def write(self, record: SinkRecord) -> bytes:
        """Encode ``record``; return bytes ready for the object now (may be empty)."""

    @abstractmethod
    def finish(self) -> bytes:
        """The remaining bytes of the object."""

    def accepts(self, record: SinkRecord) -> bool:
        """Whether ``record`` fits this object's schema (a new object is started if not)."""
        return True

    @property
    def held(self) -> int:
        """Bytes (estimated) the encoder keeps that ``write`` has not returned yet."""
        return 0


class Format(ABC):
    """A ``format.class``: names the extension and makes encoders."""

    extension: str
    # True when records encode independently of each other and of the object (one line
    # each): then ``encode_many`` may encode a run of records at once
    stateless_lines = False

    @abstractmethod
    def encoder(self, record: SinkRecord) -> FileEncoder:
        """An encoder for an object whose first record is ``record``."""

    def encode_many(self, records: list[SinkRecord]) -> bytes:
        """The bytes of ``records``, as their encoders would write them one by one."""
        raise NotImplementedError(f"{type(self).__name__} encodes record by record")


# ---------------------------------------------------------------- JSON lines


class _LineEncoder(FileEncoder):
    """Line formats (JSON lines, bytes): each record is one line, nothing to finish."""

    def __init__(self, fmt: JsonFormat | BytesFormat) -> None:
        self.fmt = fmt

    def write(self, record: SinkRecord) -> bytes:
        return self.fmt.line(record)

    def finish(self) -> bytes:
        return b""


class JsonFormat(Format):
    """One JSON document per line: the record value, or its envelope."""

    extension = "json"
    stateless_lines = True

    def __init__(self, config: S3SinkConfig, *, raw_json_values: bool = False) -> None:
        self.envelope = config.envelope
        # With a schemaless JSON value converter the raw bytes already are the JSON text.
        self.raw_json_values = raw_json_values and not config.envelope
        self._dumps = json.JSONEncoder(
            separators=(",", ":"), ensure_ascii=False, default=_json_default
        ).encode

    def line(self, record: SinkRecord) -> bytes:
        if self.raw_json_values:
            raw = record.raw_value
            if raw is not None and b"\n" not in raw and b"\r" not in raw:
                return raw + b"\n"
        doc = json_envelope(record) if self.envelope else record.value
        try:
            return (self._dumps(doc) + "\n").encode("utf-8")
        except (TypeError, ValueError) as exc:
            raise DataError(
                f"record {record.topic}-{record.partition}@{record.offset}: cannot write as "
                f"JSON: {exc}"
            ) from exc

    def encode_many(self, records: list[SinkRecord]) -> bytes:
        if self.raw_json_values:
            raws = [r.raw_value for r in records]
            if None not in raws:
                raws.append(b"")  # the last line's newline
                data = b"\n".join(raws)  # type: ignore[arg-type]  # None was ruled out
                # one document per line: no value holds a line break of its own
                if data.count(b"\n") == len(records) and b"\r" not in data:
                    return data
        line = self.line
        return b"".join([line(r) for r in records])

    def encoder(self, record: SinkRecord) -> FileEncoder:
        return _LineEncoder(self)


# ---------------------------------------------------------------- raw bytes


def as_bytes(value: Any) -> bytes:
    """A record key or value as raw bytes (text as UTF-8, structures as JSON)."""
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    return json.dumps(value, separators=(",", ":"), default=_json_default).encode("utf-8")


class BytesFormat(Format):
    """Raw values separated by ``format.bytearray.separator`` (optionally ``key<sep>value``)."""

    def __init__(self, config: S3SinkConfig) -> None:
        self.separator = config.bytes_separator.encode("utf-8")
        self.key_separator = config.bytes_key_separator.encode("utf-8")
        self.store_keys = config.store_keys
        self.extension = config.bytes_extension.lstrip(".") or "bin"

    stateless_lines = True

    def line(self, record: SinkRecord) -> bytes:
        value = record.raw_value if record.raw_value is not None else as_bytes(record.value)
        if self.store_keys:
            key = record.raw_key if record.raw_key is not None else as_bytes(record.key)
            return key + self.key_separator + value + self.separator
        return value + self.separator

    def encode_many(self, records: list[SinkRecord]) -> bytes:
        line = self.line
        return b"".join([line(r) for r in records])

    def encoder(self, record: SinkRecord) -> FileEncoder:
        return _LineEncoder(self)


# ---------------------------------------------------------------- Avro

PRIMITIVES: list[Any] = ["null", "boolean", "long", "double", "string", "bytes"]
"""The Avro type of a schemaless key or value that is not a structure."""

_PRIM = "prim"


def _shape(value: Any, schema: Mapping[str, Any] | None, name: str) -> str | None:
    """What a key or value needs from the file's schema: ``None`` when it fits any
    (a null), ``"prim"`` for a schemaless primitive, else the JSON of an Avro schema."""
    if schema is not None:
        return json.dumps(_nullable(connect_to_avro(schema, name)), sort_keys=True)
    if value is None:
        return None
    if isinstance(value, Mapping | list):
        return json.dumps(_nullable(infer_avro(value, name)), sort_keys=True)
    return _PRIM


def _shape_schema(shape: str | None) -> Any:
    return PRIMITIVES if shape in (None, _PRIM) else json.loads(shape)


def _fits(current: str | None, new: str | None) -> bool:
    return new is None or current is None or current == new


class _AvroEncoder(FileEncoder):
    """Writes an Avro container file. The schema is fixed when the first record that
    determines it arrives (leading null values wait for it), so a file holds records
    of one shape; a record of another shape starts a new file."""

    def __init__(self, fmt: AvroFormat) -> None:
        self.fmt = fmt
        self.buffer = io.BytesIO()
        self.writer: Any = None
        self.key_shape: str | None = None
        self.value_shape: str | None = None
        self.pending: list[SinkRecord] = []

    def accepts(self, record: SinkRecord) -> bool:
        if self.fmt.fixed is not None and not self.fmt.envelope:
            return True
        key, value = self.fmt.shapes(record)
        return _fits(self.key_shape, key) and _fits(self.value_shape, value)

    def _drain(self) -> bytes:
        data = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return data

    def _open(self) -> None:
        from fastavro import parse_schema
        from fastavro.write import Writer

        if self.key_shape is None:
            self.key_shape = _PRIM
        if self.value_shape is None:
            self.value_shape = _PRIM
        schema = self.fmt.schema(_shape_schema(self.key_shape), _shape_schema(self.value_shape))
        try:
            self.writer = Writer(self.buffer, parse_schema(schema), codec=self.fmt.codec)
        except Exception as exc:  # fastavro raises several kinds for a bad schema
            raise ConfigError(f"invalid Avro schema: {exc}", key="avro.schema") from exc
        pending, self.pending = self.pending, []
        for record in pending:
            self._write(record)

    def _write(self, record: SinkRecord) -> None:
        try:
            self.writer.write(self.fmt.datum(record))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise DataError(
                f"record {record.topic}-{record.partition}@{record.offset}: does not fit the "
                f"Avro schema: {exc}"
            ) from exc

    def write(self, record: SinkRecord) -> bytes:
        if self.writer is not None:
            self._write(record)
            return self._drain()
        key, value = self.fmt.shapes(record)
        self.key_shape = self.key_shape or key
        self.value_shape = self.value_shape or value
        self.pending.append(record)
        if self.value_shape is not None or (self.fmt.fixed is not None and not self.fmt.envelope):
            self._open()
            return self._drain()
        return b""

    def finish(self) -> bytes:
        if self.writer is None:
            self._open()
        self.writer.flush()
        return self._drain()

    @property
    def held(self) -> int:
        pending = sum(len(r.raw_value or b"") + 64 for r in self.pending)
        return pending + int(getattr(self.writer, "block_size", 0) or 0)


class AvroFormat(Format):
    """Avro object container files (fastavro). The value schema comes from ``avro.schema``,
    from the record's Kafka Connect schema, or is inferred from the value (structures
    as records or maps, other values as a union of primitive types)."""

    extension = "avro"

    def __init__(self, config: S3SinkConfig) -> None:
        self.envelope = config.envelope
        self.codec = config.avro_codec
        self.fixed: Any = None
        if config.avro_schema:
            try:
                self.fixed = json.loads(config.avro_schema)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"not valid JSON: {exc}", key="avro.schema") from exc

    def shapes(self, record: SinkRecord) -> tuple[str | None, str | None]:
        """The shapes of the record's key (envelope only) and value."""
        key = _shape(record.key, record.key_schema, "Key") if self.envelope else None
        if self.fixed is not None:
            return key, json.dumps(_nullable(self.fixed), sort_keys=True)
        return key, _shape(record.value, record.value_schema, "Value")

    def schema(self, key: Any, value: Any) -> Any:
        """The file schema for key and value schemas."""
        if not self.envelope:
            return value
        return avro_envelope_schema(key, value)

    def datum(self, record: SinkRecord) -> Any:
        if self.envelope:
            return avro_envelope(record)
        return record.value

    def encoder(self, record: SinkRecord) -> FileEncoder:
        return _AvroEncoder(self)


def _nullable(schema: Any) -> Any:
    if isinstance(schema, list):
        return schema if "null" in schema else ["null", *schema]
    if schema == "null":
        return "null"
    return ["null", schema]


# ---------------------------------------------------------------- Parquet


class _ParquetEncoder(FileEncoder):
    def __init__(self, fmt: ParquetFormat, first_offset: int) -> None:
        self.fmt = fmt
        self.first_offset = first_offset
        self.rows: list[dict[str, Any]] = []
        self._held = 0
        self.schema: Mapping[str, Any] | None = None

    def accepts(self, record: SinkRecord) -> bool:
        return record.value_schema is None or self.schema in (None, record.value_schema)

    def write(self, record: SinkRecord) -> bytes:
        if self.schema is None and record.value_schema is not None:
            self.schema = record.value_schema
        row = self.fmt.row(record)
        self.rows.append(row)
        self._held += 64 + len(record.raw_value or b"") + len(record.raw_key or b"")
        return b""

    def finish(self) -> bytes:
        pa = require_pyarrow()
        import pyarrow.parquet as pq

        names: dict[str, None] = {}
        for row in self.rows:
            names.update(dict.fromkeys(row))
        try:
            columns = {n: pa.array([row.get(n) for row in self.rows]) for n in names}
            table = pa.table(columns) if columns else pa.table({"value": pa.nulls(len(self.rows))})
            sink = io.BytesIO()
            codec = None if self.fmt.codec == "none" else self.fmt.codec
            pq.write_table(table, sink, compression=codec)
        except (pa.ArrowException, ValueError, TypeError) as exc:
            raise DataError(
                f"cannot write Parquet (object from offset {self.first_offset}): {exc}"
            ) from exc
        self.rows = []
        self._held = 0
        return sink.getvalue()

    @property
    def held(self) -> int:
        return self._held


class ParquetFormat(Format):
    """Parquet files (pyarrow, the ``parquet`` extra): one row per record — the value's
    fields when it is a struct/map, else a ``value`` column — or the envelope."""

    extension = "parquet"

    def __init__(self, config: S3SinkConfig) -> None:
        require_pyarrow()
        self.envelope = config.envelope
        self.codec = config.parquet_codec

    def row(self, record: SinkRecord) -> dict[str, Any]:
        if self.envelope:
            return parquet_envelope(record)
        if isinstance(record.value, Mapping):
            return dict(record.value)
        return {"value": record.value}

    def encoder(self, record: SinkRecord) -> FileEncoder:
        return _ParquetEncoder(self, record.offset)


def make_format(config: S3SinkConfig, *, raw_json_values: bool = False) -> Format:
    """The ``format.class`` of ``config``."""
    if config.format == "json":
        return JsonFormat(config, raw_json_values=raw_json_values)
    if config.format == "bytes":
        return BytesFormat(config)
    if config.format == "avro":
        return AvroFormat(config)
    if config.format == "parquet":
        return ParquetFormat(config)
    raise ConfigError(f"unsupported format {config.format!r}", key="format.class")
