"""Each format written through the task and read back, field by field."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from connectors.s3.avro_schema import connect_to_avro, infer_avro
from tests.unit.s3.conftest import StartTask
from tests.unit.s3.support import Bucket, rec, settled_put

HEADERS = (("trace", b"abc"), ("bin", b"\xff\x00"), ("empty", None))
RECORDS = [
    rec(0, {"id": 0, "name": "zero", "tags": ["a"], "score": 1.5}, key="k0", headers=HEADERS),
    rec(1, {"id": 1, "name": "one", "tags": [], "score": None}, key=None),
    rec(2, None, key="tombstone"),
]


def _values(bucket: Bucket, options: dict[str, Any]) -> list[Any]:
    return [v for k in bucket.object_keys() for v in bucket.records(k, bucket.config(**options))]


async def test_json_values(bucket: Bucket, start_task: StartTask) -> None:
    task = await start_task(**{"flush.size": 3})
    await settled_put(task, RECORDS)
    assert _values(bucket, {}) == [r.value for r in RECORDS]


async def test_json_envelope_keeps_keys_headers_and_nulls(
    bucket: Bucket, start_task: StartTask
) -> None:
    options = {"flush.size": 3, "store.envelope": True}
    task = await start_task(**options)
    await settled_put(task, RECORDS)
    docs = _values(bucket, options)
    assert [(d["offset"], d["key"], d["value"], d["timestamp"]) for d in docs] == [
        (r.offset, r.key, r.value, r.timestamp) for r in RECORDS
    ]
    assert docs[0]["headers"] == [
        {"key": "trace", "value": "abc"},
        {"key": "bin", "value_base64": base64.b64encode(b"\xff\x00").decode()},
        {"key": "empty", "value": None},
    ]


async def test_bytes_with_keys_and_custom_separators(bucket: Bucket, start_task: StartTask) -> None:
    options = {
        "format.class": "io.confluent.connect.s3.format.bytearray.ByteArrayFormat",
        "format.bytearray.separator": "\\r\\n",
        "format.bytearray.key.separator": "|",
        "store.kafka.keys": True,
        "flush.size": 2,
    }
    task = await start_task(**options)
    await settled_put(
        task,
        [
            rec(0, b"v0", key=b"k0", raw_value=b"v0"),
            rec(1, "text", key=None),
        ],
    )
    (key,) = bucket.object_keys()
    assert key.endswith("t+0+0000000000.bin")
    assert bucket.body(key) == b"k0|v0\r\n|text\r\n"


async def test_avro_envelope_round_trip(bucket: Bucket, start_task: StartTask) -> None:
    options = {
        "format.class": "avro",
        "store.envelope": True,
        "flush.size": 1,
        "avro.codec": "deflate",
    }
    task = await start_task(**options)
    await settled_put(task, RECORDS)
    docs = _values(bucket, options)
    assert [(d["offset"], d["key"], d["value"]) for d in docs] == [
        (r.offset, r.key, r.value) for r in RECORDS
    ]
    assert docs[0]["headers"] == [{"key": k, "value": v} for k, v in HEADERS]


async def test_avro_with_connect_schema(bucket: Bucket, start_task: StartTask) -> None:
    schema = {
        "type": "struct",
        "name": "com.example.Order",
        "fields": [
            {"field": "id", "type": "int32"},
            {"field": "note", "type": "string", "optional": True},
        ],
    }
    task = await start_task(**{"format.class": "avro", "flush.size": 2})
    records = [
        rec(0, {"id": 1, "note": None}).with_(value_schema=schema),
        rec(1, {"id": 2, "note": "x"}).with_(value_schema=schema),
    ]
    await settled_put(task, records)
    assert _values(bucket, {"format.class": "avro"}) == [r.value for r in records]


async def test_avro_schema_from_config(bucket: Bucket, start_task: StartTask) -> None:
    schema = '{"type":"record","name":"R","fields":[{"name":"id","type":"long"}]}'
    options = {"format.class": "avro", "avro.schema": schema, "flush.size": 2}
    task = await start_task(**options)
    await settled_put(task, [rec(0, {"id": 1}), rec(1, {"id": 2})])
    assert _values(bucket, options) == [{"id": 1}, {"id": 2}]


async def test_parquet_values_and_envelope(bucket: Bucket, start_task: StartTask) -> None:
    pytest.importorskip("pyarrow")
    options = {"format.class": "parquet", "flush.size": 2}
    task = await start_task(**options)
    await settled_put(task, RECORDS[:2])
    assert _values(bucket, options) == [r.value for r in RECORDS[:2]]


async def test_parquet_envelope(bucket: Bucket, start_task: StartTask) -> None:
    pytest.importorskip("pyarrow")
    options = {"format.class": "parquet", "flush.size": 3, "store.envelope": True}
    task = await start_task(**options)
    await settled_put(task, RECORDS)
    rows = _values(bucket, options)
    assert [r["offset"] for r in rows] == [0, 1, 2]
    assert [r["key"] for r in rows] == ["k0", None, "tombstone"]
    assert rows[2]["value"] is None
    assert rows[0]["headers"] == [{"key": k, "value": v} for k, v in HEADERS]


def test_connect_schema_to_avro() -> None:
    assert connect_to_avro({"type": "int64", "optional": True}) == ["null", "long"]
    assert connect_to_avro({"type": "array", "items": {"type": "string"}}) == {
        "type": "array",
        "items": "string",
    }


def test_inferred_schema() -> None:
    assert infer_avro({"a": 1, "b": None, "c-d": 2}) == {
        "type": "map",
        "values": ["null", "long"],
    }
    assert infer_avro([1, None]) == {"type": "array", "items": ["null", "long"]}


def _json_format(**options: Any) -> Any:
    from connectors.s3.config import S3SinkConfig
    from connectors.s3.formats import JsonFormat

    config = {"connector.class": "s3-sink", "topics": "t", "s3.bucket.name": "b", **options}
    return JsonFormat(S3SinkConfig.model_validate(config), raw_json_values=True)


def test_json_runs_pass_single_line_documents_through() -> None:
    fmt = _json_format()
    records = [rec(0, {"a": 1}, raw_value=b'{"a": 1}'), rec(1, [2], raw_value=b"[2]")]
    assert fmt.encode_many(records) == b'{"a": 1}\n[2]\n'  # the bytes as they came


def test_json_runs_rewrite_values_that_span_lines() -> None:
    fmt = _json_format()
    records = [
        rec(0, {"a": 1}, raw_value=b'{"a": 1}'),
        rec(1, {"b": 2}, raw_value=b'{\n "b": 2\n}'),
        rec(2, {"c": 3}, raw_value=b'{"c":\r3}'),
        rec(3, "x", raw_value=None),  # a value made by something else: written from value
    ]
    expected = b"".join(fmt.line(r) for r in records)
    assert fmt.encode_many(records) == expected == b'{"a": 1}\n{"b":2}\n{"c":3}\n"x"\n'


async def test_transforms_turn_raw_json_off(bucket: Bucket, start_task: StartTask) -> None:
    options = {
        "value.converter": "json",
        "value.converter.schemas.enable": False,
        "transforms": "insert",
        "flush.size": 2,
    }
    task = await start_task(**options)
    # the value was changed by a transform: the raw bytes are not what must be written
    changed = [rec(i, {"n": i, "added": True}, raw_value=b'{"n": %d}' % i) for i in range(2)]
    await settled_put(task, changed)
    assert _values(bucket, options) == [{"n": 0, "added": True}, {"n": 1, "added": True}]
