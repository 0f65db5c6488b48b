"""Records and schema checks shared by the transform tests."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from connect.api import SinkRecord
from connect.transforms import TransformChain

OneStep = Callable[..., TransformChain]
"""The ``one`` fixture: ``one(type, options)`` builds a one-transform chain."""


def sink(value: Any = None, **fields: Any) -> SinkRecord:
    """A sink record on ``orders`` partition 2 offset 7 with ``value`` and other fields."""
    base: dict[str, Any] = {
        "topic": "orders",
        "partition": 2,
        "offset": 7,
        "timestamp": 1_709_647_629_123,
        "value": value,
    }
    base.update(fields)
    return SinkRecord(**base)


def struct_schema(**types: str) -> dict[str, Any]:
    """A struct schema with required fields of the given types."""
    return {
        "type": "struct",
        "fields": [{"field": n, "type": t, "optional": False} for n, t in types.items()],
        "optional": False,
    }


def assert_matches(value: Any, schema: Mapping[str, Any] | None) -> None:
    """``value``'s shape agrees with ``schema``: struct field names equal the dict keys."""
    assert schema is not None
    if value is None:
        return
    if schema["type"] == "struct":
        assert isinstance(value, dict)
        names = [f["field"] for f in schema["fields"]]
        assert sorted(names) == sorted(value), (names, value)
        for f in schema["fields"]:
            assert_matches(value[f["field"]], f)
    elif schema["type"] == "string":
        assert isinstance(value, str)
    elif schema["type"].startswith("int"):
        assert isinstance(value, int) and not isinstance(value, bool)
    elif schema["type"] == "boolean":
        assert isinstance(value, bool)
