"""Shared pieces of the built-in transforms: key/value targeting and option models."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from connect import __version__
from connect.api import ConnectorConfig, ConnectRecord, DataError, Transformation
from connect.transforms.schema import Schema

Target = Literal["key", "value"]
VERSION = __version__
"""Version of the built-in transforms and predicates (the project's)."""
R = TypeVar("R", bound=ConnectRecord)


class TransformConfig(ConnectorConfig):
    """Base of the built-in transform option models; keys are Kafka Connect's option names."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


class KeyOrValueTransform(Transformation):
    """A transform that works on the record key (``$Key``) or value (``$Value``).

    Subclasses set ``target`` and use ``operand`` / ``updated`` to read and replace the
    part they work on together with its schema (``None`` for schemaless data).
    """

    target: ClassVar[Target] = "value"
    version = VERSION

    def operand(self, record: ConnectRecord) -> tuple[Any, Schema | None]:
        if self.target == "key":
            return record.key, record.key_schema
        return record.value, record.value_schema

    def updated(self, record: R, data: Any, schema: Schema | None) -> R:
        if self.target == "key":
            return record.with_(key=data, key_schema=schema)
        return record.with_(value=data, value_schema=schema)

    def require_map(self, data: Any, what: str) -> dict[str, Any]:
        """``data`` as a dict, or a DataError naming the transform and the record part."""
        if not isinstance(data, Mapping):
            raise DataError(f"{what} needs a struct/map {self.target}, got {type(data).__name__}")
        return dict(data)


def options_of(model: type[BaseModel]) -> list[tuple[str, str, str]]:
    """(key, default, description) of each option of ``model``, for docs and ``plugins``."""
    rows = []
    for name, info in model.model_fields.items():
        default = (
            "required" if info.is_required() else repr(info.get_default(call_default_factory=True))
        )
        rows.append((info.alias or name, default, info.description or ""))
    return rows
