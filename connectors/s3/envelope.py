"""The record envelope (``store.envelope=true``): one definition, written by the sink and
read back by the source, for each format.

Every envelope holds ``topic``, ``partition``, ``offset``, ``timestamp``, ``key``,
``value`` and ``headers`` (a list of ``{key, value}``). How each format keeps them:

============  =====================================  ==========================================
format        key and value                          header values
============  =====================================  ==========================================
JSON lines    JSON values; bytes as ``key_base64`` /  UTF-8 text in ``value``, other bytes in
              ``value_base64`` (base64 text)          ``value_base64``
Avro          union of primitives (bytes stay bytes)  bytes
              or the record's schema
Parquet       bytes and text as they are; other       bytes
              values as JSON text
============  =====================================  ==========================================

``Archived`` is what the source gets back from any of them.
"""

from __future__ import annotations

import base64
import json
from binascii import a2b_base64
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from connect.api import Header, SinkRecord

_BYTES = bytes | bytearray | memoryview


class Archived(NamedTuple):
    """One record as read back from an object.

    ``offset`` is the Kafka offset it was archived from (for plain formats: the object's
    start offset plus the record's index). ``key``/``value`` are bytes, text or JSON values.
    A tuple, not a dataclass: a restore makes one per record, and a tuple is the cheapest
    object Python builds (``RawRecordBatch`` reads its ``key``/``value``/``headers``).
    """

    topic: str
    partition: int
    offset: int
    timestamp: int | None
    key: Any
    value: Any
    headers: tuple[Header, ...] = ()


def _b64(data: Any) -> str:
    return base64.b64encode(bytes(data)).decode("ascii")


# ---------------------------------------------------------------- JSON lines


def header_entry(name: str, value: bytes | None) -> dict[str, Any]:
    """A header as a JSON envelope entry: UTF-8 text in ``value``, other bytes in
    ``value_base64``."""
    if value is None:
        return {"key": name, "value": None}
    try:
        return {"key": name, "value": value.decode("utf-8")}
    except UnicodeDecodeError:
        return {"key": name, "value_base64": _b64(value)}


def header_from_entry(entry: Mapping[str, Any]) -> Header:
    """The header a JSON (or Avro/Parquet) envelope entry stands for."""
    encoded = entry.get("value_base64")
    if encoded is not None:
        return str(entry["key"]), a2b_base64(encoded)
    value = entry.get("value")
    if value is None or type(value) is bytes:
        return str(entry["key"]), value
    if isinstance(value, str):
        return str(entry["key"]), value.encode("utf-8")
    return str(entry["key"]), bytes(value)


def _put(doc: dict[str, Any], name: str, value: Any) -> None:
    if isinstance(value, _BYTES):
        doc[f"{name}_base64"] = _b64(value)
    else:
        doc[name] = value


def _take(doc: Mapping[str, Any], name: str, encoded_name: str) -> Any:
    encoded = doc.get(encoded_name)
    if encoded is not None:
        return a2b_base64(encoded)
    return doc.get(name)


def json_envelope(record: SinkRecord) -> dict[str, Any]:
    """The JSON envelope document of ``record``."""
    doc: dict[str, Any] = {
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "timestamp": record.timestamp,
    }
    _put(doc, "key", record.key)
    _put(doc, "value", record.value)
    doc["headers"] = [header_entry(k, v) for k, v in record.headers]
    return doc


def from_json_envelope(doc: Mapping[str, Any]) -> Archived:
    """The record a JSON envelope document holds."""
    return Archived(
        str(doc["topic"]),
        int(doc["partition"]),
        int(doc["offset"]),
        None if doc.get("timestamp") is None else int(doc["timestamp"]),
        _take(doc, "key", "key_base64"),
        _take(doc, "value", "value_base64"),
        tuple([header_from_entry(h) for h in doc.get("headers") or ()]),
    )


_new = tuple.__new__


def from_json_envelopes(docs: Iterable[Mapping[str, Any]]) -> list[Archived]:
    """``from_json_envelope`` for many documents: the same records, built in one loop
    with the usual shapes (text or base64 key and value, header entries of a name and a
    text or base64 value, values already of their type) inlined."""
    out: list[Archived] = []
    append, a2b = out.append, a2b_base64
    for doc in docs:
        get = doc.get
        key = get("key_base64")
        key = get("key") if key is None else a2b(key)
        value = get("value_base64")
        value = get("value") if value is None else a2b(value)
        timestamp = get("timestamp")
        entries = get("headers")
        headers: tuple[Header, ...] = ()
        if entries:
            found: list[Header] = []
            for entry in entries:
                name = entry["key"]
                if len(entry) == 2 and type(name) is str:
                    text = entry.get("value")
                    if type(text) is str:
                        found.append((name, text.encode("utf-8")))
                        continue
                    encoded = entry.get("value_base64")
                    if type(encoded) is str:
                        found.append((name, a2b(encoded)))
                        continue
                found.append(header_from_entry(entry))
            headers = tuple(found)
        topic, partition, offset = doc["topic"], doc["partition"], doc["offset"]
        append(
            _new(
                Archived,
                (
                    topic if type(topic) is str else str(topic),
                    partition if type(partition) is int else int(partition),
                    offset if type(offset) is int else int(offset),
                    timestamp if timestamp is None or type(timestamp) is int else int(timestamp),
                    key,
                    value,
                    headers,
                ),
            )
        )
    return out


# ---------------------------------------------------------------- Avro


def avro_envelope_schema(key: Any, value: Any) -> dict[str, Any]:
    """The Avro schema of envelope files whose keys and values have these schemas."""
    return {
        "type": "record",
        "name": "KafkaRecord",
        "namespace": "smartconnect",
        "fields": [
            {"name": "topic", "type": "string"},
            {"name": "partition", "type": "int"},
            {"name": "offset", "type": "long"},
            {"name": "timestamp", "type": ["null", "long"]},
            {"name": "key", "type": key},
            {"name": "value", "type": value},
            {
                "name": "headers",
                "type": {
                    "type": "array",
                    "items": {
                        "type": "record",
                        "name": "Header",
                        "fields": [
                            {"name": "key", "type": "string"},
                            {"name": "value", "type": ["null", "bytes"]},
                        ],
                    },
                },
            },
        ],
    }


def avro_envelope(record: SinkRecord) -> dict[str, Any]:
    """The Avro envelope datum of ``record`` (header values as bytes)."""
    return {
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "timestamp": record.timestamp,
        "key": record.key,
        "value": record.value,
        "headers": [{"key": k, "value": v} for k, v in record.headers],
    }


def from_avro_envelope(datum: Mapping[str, Any]) -> Archived:
    """The record an Avro envelope datum holds."""
    return Archived(
        str(datum["topic"]),
        int(datum["partition"]),
        int(datum["offset"]),
        datum.get("timestamp"),
        datum.get("key"),
        datum.get("value"),
        tuple(header_from_entry(h) for h in datum.get("headers") or ()),
    )


# ---------------------------------------------------------------- Parquet


def parquet_value(value: Any) -> Any:
    """A key or value as a Parquet envelope cell: a column holds one type, so structures
    (and numbers, booleans) are kept as JSON text."""
    if value is None or isinstance(value, str | bytes):
        return value
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    return json.dumps(value, separators=(",", ":"), default=_b64)


def parquet_envelope(record: SinkRecord) -> dict[str, Any]:
    """The Parquet envelope row of ``record``."""
    return {
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "timestamp": record.timestamp,
        "key": parquet_value(record.key),
        "value": parquet_value(record.value),
        "headers": [{"key": k, "value": v} for k, v in record.headers],
    }


def from_parquet_envelope(row: Mapping[str, Any]) -> Archived:
    """The record a Parquet envelope row holds (structures still as JSON text)."""
    return from_avro_envelope(row)


# ---------------------------------------------------------------- both ways, by format

WRITERS: dict[str, Callable[[SinkRecord], dict[str, Any]]] = {
    "json": json_envelope,
    "avro": avro_envelope,
    "parquet": parquet_envelope,
}
READERS: dict[str, Callable[[Mapping[str, Any]], Archived]] = {
    "json": from_json_envelope,
    "avro": from_avro_envelope,
    "parquet": from_parquet_envelope,
}


def parse_json_text(value: Any) -> Any:
    """A Parquet cell written from a JSON value, parsed back (text that is not JSON stays)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
