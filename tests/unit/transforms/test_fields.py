"""Field transforms on schemaless maps and on schemas.enable structs."""

from __future__ import annotations

import pytest

from connect.api import DataError, SourceRecord
from connect.converters.json import JsonConverter
from connect.transforms.schema import TIMESTAMP_NAME
from tests.unit.transforms.helpers import OneStep, assert_matches, sink, struct_schema

ORDER = {"id": 42, "name": "ann", "total": 9.5}
ORDER_SCHEMA = struct_schema(id="int64", name="string", total="float64")


# ------------------------------------------------------------------ InsertField


INSERT_ALL = {
    "topic.field": "t",
    "partition.field": "p",
    "offset.field": "o!",
    "timestamp.field": "ts",
    "static.field": "dc",
    "static.value": "eu-1",
}
INSERTED = {"t": "orders", "p": 2, "o": 7, "ts": 1_709_647_629_123, "dc": "eu-1"}


def test_insert_field_schemaless(one: OneStep) -> None:
    out = one("InsertField$Value", INSERT_ALL).apply(sink(dict(ORDER)))
    assert out is not None
    assert out.value == {**ORDER, **INSERTED}
    assert out.value_schema is None


def test_insert_field_with_schema(one: OneStep) -> None:
    out = one("InsertField$Value", INSERT_ALL).apply(sink(dict(ORDER), value_schema=ORDER_SCHEMA))
    assert out is not None
    assert_matches(out.value, out.value_schema)
    fields = {f["field"]: f for f in out.value_schema["fields"]}  # type: ignore[index]
    assert fields["o"]["optional"] is False and fields["o"]["type"] == "int64"
    assert fields["p"]["type"] == "int32" and fields["p"]["optional"] is True
    assert fields["ts"]["name"] == TIMESTAMP_NAME
    # what a JSON sink would write reads back the same
    conv = JsonConverter()
    conv.configure({}, is_key=False)
    data = conv.to_bytes("orders", out.value, out.value_schema)
    assert conv.from_bytes("orders", data) == (out.value, out.value_schema)


def test_insert_field_key_and_tombstone(one: OneStep) -> None:
    chain = one("InsertField$Key", {"topic.field": "t"})
    out = chain.apply(sink(None, key={"k": 1}))
    assert out is not None and out.key == {"k": 1, "t": "orders"} and out.value is None
    tombstone = sink(None)
    assert one("InsertField$Value", {"topic.field": "t"}).apply(tombstone) is tombstone


def test_insert_field_offset_needs_a_sink_record(one: OneStep) -> None:
    record = SourceRecord(topic="orders", value={"a": 1})
    with pytest.raises(DataError, match="sink records"):
        one("InsertField$Value", {"offset.field": "o"}).apply(record)
    out = one("InsertField$Value", {"partition.field": "p"}).apply(record)
    assert out is not None and out.value == {"a": 1, "p": None}


def test_insert_field_rejects_a_non_map(one: OneStep) -> None:
    with pytest.raises(DataError, match="struct/map value"):
        one("InsertField$Value", {"topic.field": "t"}).apply(sink("text"))


# ------------------------------------------------------------------ ReplaceField


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"exclude": "total"}, {"id": 42, "name": "ann"}),
        ({"blacklist": "total"}, {"id": 42, "name": "ann"}),
        ({"include": "id,total"}, {"id": 42, "total": 9.5}),
        ({"whitelist": ["id"]}, {"id": 42}),
        ({"renames": "id:order_id,name:who"}, {"order_id": 42, "who": "ann", "total": 9.5}),
        ({"include": "id,name", "renames": "name:who"}, {"id": 42, "who": "ann"}),
    ],
)
def test_replace_field(one: OneStep, options: dict[str, str], expected: dict[str, object]) -> None:
    chain = one("ReplaceField$Value", options)
    out = chain.apply(sink(dict(ORDER)))
    assert out is not None and out.value == expected
    typed = chain.apply(sink(dict(ORDER), value_schema=ORDER_SCHEMA))
    assert typed is not None and typed.value == expected
    assert_matches(typed.value, typed.value_schema)


def test_replace_field_bad_renames(one: OneStep) -> None:
    from connect.api import ConfigError

    with pytest.raises(ConfigError) as info:
        one("ReplaceField$Value", {"renames": "a-b"})
    assert info.value.key == "transforms.t.renames"


# ------------------------------------------------------------------ MaskField


def test_mask_field_schemaless(one: OneStep) -> None:
    value = {"id": 42, "name": "ann", "total": 9.5, "vip": True, "tags": ["a"], "n": None}
    out = one("MaskField$Value", {"fields": "id,name,total,vip,tags,n,missing"}).apply(sink(value))
    assert out is not None
    assert out.value == {"id": 0, "name": "", "total": 0.0, "vip": False, "tags": [], "n": None}


def test_mask_field_replacement_with_schema(one: OneStep) -> None:
    chain = one("MaskField$Value", {"fields": "name,id", "replacement": "7"})
    out = chain.apply(sink(dict(ORDER), value_schema=ORDER_SCHEMA))
    assert out is not None
    assert out.value == {"id": 7, "name": "7", "total": 9.5}
    assert out.value_schema == ORDER_SCHEMA
    nulls = chain.apply(sink({"id": None, "name": None, "total": 1.0}, value_schema=ORDER_SCHEMA))
    assert nulls is not None and nulls.value == {"id": None, "name": None, "total": 1.0}


def test_mask_field_replacement_must_fit(one: OneStep) -> None:
    with pytest.raises(DataError, match="not a number"):
        one("MaskField$Value", {"fields": "id", "replacement": "***"}).apply(sink(dict(ORDER)))
    with pytest.raises(DataError, match="cannot put a replacement"):
        one("MaskField$Key", {"fields": "ok", "replacement": "x"}).apply(
            sink(None, key={"ok": True})
        )


# ------------------------------------------------------------------ ValueToKey


def test_value_to_key(one: OneStep) -> None:
    chain = one("ValueToKey", {"fields": "id,name"})
    out = chain.apply(sink(dict(ORDER), key="old"))
    assert out is not None and out.key == {"id": 42, "name": "ann"} and out.key_schema is None
    typed = chain.apply(sink(dict(ORDER), value_schema=ORDER_SCHEMA))
    assert typed is not None
    assert typed.key_schema == struct_schema(id="int64", name="string")
    assert_matches(typed.key, typed.key_schema)


def test_value_to_key_unknown_field_with_schema(one: OneStep) -> None:
    with pytest.raises(DataError, match="'nope'"):
        one("ValueToKey", {"fields": "nope"}).apply(sink(dict(ORDER), value_schema=ORDER_SCHEMA))


# ------------------------------------------------------------------ HoistField / ExtractField


def test_hoist_field(one: OneStep) -> None:
    out = one("HoistField$Value", {"field": "line"}).apply(sink("hello"))
    assert out is not None and out.value == {"line": "hello"} and out.value_schema is None
    typed = one("HoistField$Key", {"field": "id"}).apply(
        sink(None, key=42, key_schema={"type": "int64", "optional": False})
    )
    assert typed is not None
    assert typed.key == {"id": 42}
    assert typed.key_schema == struct_schema(id="int64")


def test_extract_field(one: OneStep) -> None:
    chain = one("ExtractField$Value", {"field": "name"})
    out = chain.apply(sink(dict(ORDER)))
    assert out is not None and out.value == "ann"
    typed = chain.apply(sink(dict(ORDER), value_schema=ORDER_SCHEMA))
    assert typed is not None
    assert typed.value == "ann"
    assert typed.value_schema == {"type": "string", "optional": False}
    missing = one("ExtractField$Value", {"field": "zzz"}).apply(sink(dict(ORDER)))
    assert missing is not None and missing.value is None


def test_extract_field_nested_v2(one: OneStep) -> None:
    schema = {
        "type": "struct",
        "optional": False,
        "fields": [{"field": "a", **struct_schema(b="int32"), "optional": True}],
    }
    chain = one("ExtractField$Value", {"field": "a.b", "field.syntax.version": "V2"})
    out = chain.apply(sink({"a": {"b": 3}}, value_schema=schema))
    assert out is not None and out.value == 3
    assert out.value_schema == {"type": "int32", "optional": False}
    out = chain.apply(sink({"a": None}, value_schema=schema))
    assert out is not None and out.value is None and out.value_schema is not None


# ------------------------------------------------------------------ Cast


def test_cast_fields(one: OneStep) -> None:
    chain = one("Cast$Value", {"spec": "id:string,total:int32,name:string"})
    out = chain.apply(sink(dict(ORDER)))
    assert out is not None and out.value == {"id": "42", "name": "ann", "total": 9}
    typed = chain.apply(sink(dict(ORDER), value_schema=ORDER_SCHEMA))
    assert typed is not None
    assert typed.value_schema == struct_schema(id="string", name="string", total="int32")
    assert_matches(typed.value, typed.value_schema)


@pytest.mark.parametrize(
    ("value", "type_", "expected"),
    [
        ("12", "int8", 12),
        ("3.9", "int64", 3),
        (True, "int32", 1),
        (7, "float64", 7.0),
        ("1.5", "float32", 1.5),
        ("TRUE", "boolean", True),
        (0, "boolean", False),
        (False, "string", "false"),
        (2.5, "string", "2.5"),
        (None, "int64", None),
    ],
)
def test_cast_whole_value(one: OneStep, value: object, type_: str, expected: object) -> None:
    out = one("Cast$Value", {"spec": type_}).apply(sink(value))
    assert out is not None and out.value == expected


def test_cast_whole_key_with_schema(one: OneStep) -> None:
    out = one("Cast$Key", {"spec": "string"}).apply(
        sink(None, key=5, key_schema={"type": "int64", "optional": True})
    )
    assert out is not None
    assert out.key == "5" and out.key_schema == {"type": "string", "optional": True}


@pytest.mark.parametrize(("value", "type_"), [(300, "int8"), ("x", "int32"), ({"a": 1}, "string")])
def test_cast_failures_are_data_errors(one: OneStep, value: object, type_: str) -> None:
    with pytest.raises(DataError):
        one("Cast$Value", {"spec": type_}).apply(sink(value))


# ------------------------------------------------------------------ Flatten


def test_flatten_schemaless(one: OneStep) -> None:
    value = {"id": 1, "addr": {"city": "Oslo", "geo": {"lat": 1.5}}, "tags": ["x"], "n": None}
    out = one("Flatten$Value", {"delimiter": "_"}).apply(sink(value))
    assert out is not None
    assert out.value == {
        "id": 1,
        "addr_city": "Oslo",
        "addr_geo_lat": 1.5,
        "tags": ["x"],
        "n": None,
    }


def test_flatten_with_schema(one: OneStep) -> None:
    schema = {
        "type": "struct",
        "name": "Order",
        "optional": False,
        "fields": [
            {"field": "id", "type": "int64", "optional": False},
            {"field": "addr", **struct_schema(city="string"), "optional": True},
        ],
    }
    chain = one("Flatten$Value")
    out = chain.apply(sink({"id": 1, "addr": {"city": "Oslo"}}, value_schema=schema))
    assert out is not None
    assert out.value == {"id": 1, "addr.city": "Oslo"}
    assert out.value_schema is not None
    assert out.value_schema["name"] == "Order"
    assert out.value_schema["fields"] == [
        {"field": "id", "type": "int64", "optional": False},
        {"field": "addr.city", "type": "string", "optional": True},
    ]
    empty = chain.apply(sink({"id": 1, "addr": None}, value_schema=schema))
    assert empty is not None and empty.value == {"id": 1, "addr.city": None}
