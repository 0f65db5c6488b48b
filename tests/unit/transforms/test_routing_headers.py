"""RegexRouter, Filter and the header transforms."""

from __future__ import annotations

import pytest

from connect.api import ConfigError, SourceRecord
from tests.unit.transforms.helpers import OneStep, assert_matches, sink, struct_schema


@pytest.mark.parametrize(
    ("regex", "replacement", "topic", "expected"),
    [
        ("(.*)-raw", "$1", "orders-raw", "orders"),
        ("(?P<env>dev|prod)\\.(.*)", "${env}_$2", "prod.orders", "prod_orders"),
        ("orders", "sales", "orders-raw", "orders-raw"),  # the whole topic must match
        (".*", "all", "x", "all"),
    ],
)
def test_regex_router(
    one: OneStep, regex: str, replacement: str, topic: str, expected: str
) -> None:
    out = one("RegexRouter", {"regex": regex, "replacement": replacement}).apply(
        SourceRecord(topic=topic, value=b"v")
    )
    assert out is not None and out.topic == expected and out.value == b"v"


def test_regex_router_bad_regex_names_the_key(one: OneStep) -> None:
    with pytest.raises(ConfigError) as info:
        one("RegexRouter", {"regex": "(", "replacement": "x"})
    assert info.value.key == "transforms.t.regex"


def test_filter_drops_everything(one: OneStep) -> None:
    assert one("Filter").apply(sink({"a": 1})) is None


def test_insert_header(one: OneStep) -> None:
    out = one("InsertHeader", {"header": "source", "value.literal": "eu-1"}).apply(
        sink(None, headers=(("a", b"1"),))
    )
    assert out is not None and out.headers == (("a", b"1"), ("source", b"eu-1"))


def test_drop_headers(one: OneStep) -> None:
    record = sink(None, headers=(("a", b"1"), ("b", None), ("a", b"2"), ("c", b"3")))
    out = one("DropHeaders", {"headers": "a,b"}).apply(record)
    assert out is not None and out.headers == (("c", b"3"),)


def test_header_from_copy_schemaless(one: OneStep) -> None:
    value = {"id": 42, "name": "ann", "meta": {"v": 1}, "none": None}
    chain = one(
        "HeaderFrom$Value",
        {
            "fields": "id,name,meta,none",
            "headers": "h_id,h_name,h_meta,h_none",
            "operation": "copy",
        },
    )
    out = chain.apply(sink(dict(value)))
    assert out is not None
    assert out.value == value
    assert out.headers == (
        ("h_id", b"42"),
        ("h_name", b"ann"),
        ("h_meta", b'{"v":1}'),
        ("h_none", None),
    )


def test_header_from_move_with_schema(one: OneStep) -> None:
    chain = one("HeaderFrom$Key", {"fields": "id", "headers": "id", "operation": "move"})
    out = chain.apply(
        sink(
            None,
            key={"id": 1, "region": "eu"},
            key_schema=struct_schema(id="int64", region="string"),
        )
    )
    assert out is not None
    assert out.key == {"region": "eu"} and out.headers == (("id", b"1"),)
    assert out.key_schema == struct_schema(region="string")
    assert_matches(out.key, out.key_schema)


def test_header_from_config_errors(one: OneStep) -> None:
    with pytest.raises(ConfigError) as info:
        one("HeaderFrom$Value", {"fields": "a,b", "headers": "x", "operation": "copy"})
    assert info.value.key == "transforms.t.headers"
    with pytest.raises(ConfigError) as info:
        one("HeaderFrom$Value", {"fields": "a", "headers": "x", "operation": "steal"})
    assert info.value.key == "transforms.t.operation"
