"""Converters: bytes, string, json with and without the schema envelope."""

import json

import pytest

from connect.api import DataError
from connect.converters.json import JsonConverter
from connect.converters.simple import BytesConverter, StringConverter


def test_bytes_and_string() -> None:
    b = BytesConverter()
    assert b.to_bytes("t", b"x", None) == b"x" and b.from_bytes("t", b"x") == (b"x", None)
    s = StringConverter()
    s.configure({}, is_key=False)
    assert s.to_bytes("t", "é", None) == "é".encode() and s.from_bytes("t", "é".encode())[0] == "é"
    assert s.to_bytes("t", None, None) is None
    with pytest.raises(DataError):
        s.from_bytes("t", b"\xff\xfe\xfa")


def test_json_schemaless_round_trip() -> None:
    c = JsonConverter()
    c.configure({"schemas.enable": "false"}, is_key=False)
    value = {"a": 1, "b": [1, 2], "c": None}
    assert c.from_bytes("t", c.to_bytes("t", value, None)) == (value, None)
    assert c.to_bytes("t", None, None) is None
    with pytest.raises(DataError, match="not valid JSON"):
        c.from_bytes("t", b"{nope")


def test_json_envelope() -> None:
    c = JsonConverter()
    c.configure({}, is_key=False)  # schemas.enable defaults to true, as Kafka Connect
    data = c.to_bytes("t", {"id": 1, "name": "x"}, None)
    doc = json.loads(data)
    assert doc["payload"] == {"id": 1, "name": "x"}
    assert doc["schema"]["type"] == "struct"
    assert [f["field"] for f in doc["schema"]["fields"]] == ["id", "name"]
    value, schema = c.from_bytes("t", data)
    assert value == {"id": 1, "name": "x"} and schema == doc["schema"]
    with pytest.raises(DataError, match=r"schemas\.enable=false"):
        c.from_bytes("t", b'{"id": 1}')
