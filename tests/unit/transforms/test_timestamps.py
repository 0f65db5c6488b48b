"""TimestampConverter, TimestampRouter and the Java date pattern they share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from connect.api import ConfigError, DataError
from connect.transforms.dateformat import DateFormat
from connect.transforms.schema import DATE_NAME, TIME_NAME, TIMESTAMP_NAME
from tests.unit.transforms.helpers import OneStep, assert_matches, sink, struct_schema

MS = 1_709_647_629_123  # 2024-03-05T14:07:09.123Z
MOMENT = datetime(2024, 3, 5, 14, 7, 9, 123000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        ("yyyyMMdd", "20240305"),
        ("yyyy-MM-dd HH:mm:ss.SSS", "2024-03-05 14:07:09.123"),
        ("yyyy-MM-dd'T'HH:mm:ss'Z'", "2024-03-05T14:07:09Z"),
        ("dd MMM yy hh:mm a", "05 Mar 24 02:07 PM"),
        ("EEE, d MMMM yyyy", "Tue, 5 March 2024"),
        ("%Y/%m/%d %H", "2024/03/05 14"),
    ],
)
def test_date_format_round_trips(pattern: str, text: str) -> None:
    fmt = DateFormat(pattern)
    assert fmt.format(MOMENT) == text
    assert fmt.format(fmt.parse(text)) == text


def test_date_format_reads_offsets() -> None:
    parsed = DateFormat("yyyy-MM-dd'T'HH:mmXXX").parse("2024-03-05T16:07+02:00")
    assert parsed == datetime(2024, 3, 5, 14, 7, tzinfo=UTC)
    assert parsed.utcoffset() == timedelta(hours=2)
    assert DateFormat("HH:mm Z").format(MOMENT.astimezone(timezone(timedelta(hours=-5)))) == (
        "09:07 -0500"
    )


def test_date_format_rejects_unknown_letters_and_mismatches() -> None:
    with pytest.raises(ValueError, match="'Q'"):
        DateFormat("yyyy-QQ")
    with pytest.raises(ValueError, match="does not match"):
        DateFormat("yyyy-MM-dd").parse("05/03/2024")


# ------------------------------------------------------------------ TimestampConverter


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"target.type": "string", "format": "yyyy-MM-dd HH:mm:ss"}, "2024-03-05 14:07:09"),
        ({"target.type": "unix"}, MS),
        ({"target.type": "unix", "unix.precision": "seconds"}, MS // 1000),
        ({"target.type": "unix", "unix.precision": "microseconds"}, MS * 1000),
        ({"target.type": "unix", "unix.precision": "nanoseconds"}, MS * 1_000_000),
        ({"target.type": "Timestamp"}, MS),
        ({"target.type": "Date"}, 19787),
        ({"target.type": "Time"}, (14 * 3600 + 7 * 60 + 9) * 1000 + 123),
    ],
)
def test_timestamp_converter_from_unix_ms(
    one: OneStep, options: dict[str, str], expected: object
) -> None:
    schema = {
        "type": "struct",
        "optional": False,
        "fields": [{"field": "at", "type": "int64", "optional": True, "name": TIMESTAMP_NAME}],
    }
    chain = one("TimestampConverter$Value", {**options, "field": "at"})
    out = chain.apply(sink({"at": MS}, value_schema=schema))
    assert out is not None and out.value == {"at": expected}
    assert_matches(out.value, out.value_schema)
    assert out.value_schema["fields"][0]["optional"] is True  # type: ignore[index]
    if options["target.type"] in ("unix", "Timestamp"):  # schemaless ints are unix times
        again = chain.apply(sink({"at": expected}))
        assert again is not None and again.value == {"at": expected}


def test_timestamp_converter_parses_strings(one: OneStep) -> None:
    chain = one(
        "TimestampConverter$Value",
        {"target.type": "unix", "format": "yyyy-MM-dd HH:mm:ss.SSS", "unix.precision": "seconds"},
    )
    out = chain.apply(sink("2024-03-05 14:07:09.123"))
    assert out is not None and out.value == MS // 1000


def test_timestamp_converter_with_schema(one: OneStep) -> None:
    schema = struct_schema(id="int64", at="string")
    chain = one(
        "TimestampConverter$Value",
        {"target.type": "Timestamp", "field": "at", "format": "yyyy-MM-dd'T'HH:mm:ss.SSSX"},
    )
    out = chain.apply(sink({"id": 1, "at": "2024-03-05T14:07:09.123Z"}, value_schema=schema))
    assert out is not None
    assert out.value == {"id": 1, "at": MS}
    at = out.value_schema["fields"][1]  # type: ignore[index]
    assert at == {"field": "at", "type": "int64", "optional": False, "version": 1,
                  "name": TIMESTAMP_NAME}  # fmt: skip
    assert_matches(out.value, out.value_schema)


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        ({"type": "int64", "name": TIMESTAMP_NAME}, MS),
        ({"type": "int32", "name": DATE_NAME}, 19787),
        ({"type": "int32", "name": TIME_NAME}, 50_829_123),
    ],
)
def test_timestamp_converter_reads_logical_types(
    one: OneStep, schema: dict[str, str], value: int
) -> None:
    chain = one("TimestampConverter$Key", {"target.type": "string", "format": "yyyy-MM-dd HH:mm"})
    out = chain.apply(sink(None, key=value, key_schema={**schema, "optional": False}))
    assert out is not None
    expected = {TIMESTAMP_NAME: "2024-03-05 14:07", DATE_NAME: "2024-03-05 00:00"}
    assert out.key == expected.get(schema["name"], "1970-01-01 14:07")
    assert out.key_schema == {"type": "string", "optional": False}


def test_timestamp_converter_keeps_nulls_and_names_bad_input(one: OneStep) -> None:
    chain = one("TimestampConverter$Value", {"target.type": "unix", "field": "at"})
    out = chain.apply(sink({"at": None}))
    assert out is not None and out.value == {"at": None}
    with pytest.raises(DataError, match="needs the format option"):
        chain.apply(sink({"at": "2024-01-01"}))
    with pytest.raises(DataError, match="cannot read a timestamp"):
        chain.apply(sink({"at": [1]}))


def test_timestamp_converter_config_errors(one: OneStep) -> None:
    with pytest.raises(ConfigError) as info:
        one("TimestampConverter$Value", {"target.type": "Instant"})
    assert info.value.key == "transforms.t.target.type"
    with pytest.raises(ConfigError) as info:
        one("TimestampConverter$Value", {"target.type": "string", "format": "yyyy-QQ"})
    assert info.value.key == "transforms.t.format"


# ------------------------------------------------------------------ TimestampRouter


def test_timestamp_router_defaults(one: OneStep) -> None:
    out = one("TimestampRouter").apply(sink({"a": 1}))
    assert out is not None and out.topic == "orders-20240305"


def test_timestamp_router_formats(one: OneStep) -> None:
    chain = one(
        "TimestampRouter",
        {"topic.format": "archive.${topic}.${timestamp}", "timestamp.format": "yyyy-MM"},
    )
    out = chain.apply(sink(None))
    assert out is not None and out.topic == "archive.orders.2024-03"
    with pytest.raises(DataError, match="no timestamp"):
        chain.apply(sink(None, timestamp=None))
