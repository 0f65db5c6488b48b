"""Cast: change the type of the whole key/value or of some of its fields."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from pydantic import Field, field_validator

from connect.api import CommaList, DataError
from connect.transforms.base import KeyOrValueTransform, R, TransformConfig
from connect.transforms.schema import Schema, fields_of, primitive, with_fields

TARGETS = ("int8", "int16", "int32", "int64", "float32", "float64", "boolean", "string")
_RANGES = {"int8": 8, "int16": 16, "int32": 32, "int64": 64}


class CastConfig(TransformConfig):
    """Options of Cast: ``spec`` is ``type`` (whole value) or ``field:type,field:type``."""

    spec: CommaList = Field(
        min_length=1, description=f"field:type pairs or one type; types: {', '.join(TARGETS)}"
    )

    @field_validator("spec")
    @classmethod
    def _check(cls, value: list[str]) -> list[str]:
        whole = [item for item in value if ":" not in item]
        if whole and len(value) > 1:
            raise ValueError("cast the whole value with a single type, or give field:type pairs")
        for item in value:
            type_ = item.rpartition(":")[2].strip()
            if type_ not in TARGETS:
                raise ValueError(f"unknown cast type {type_!r}; use one of {', '.join(TARGETS)}")
        return value


def cast_value(value: Any, type_: str) -> Any:
    """``value`` as ``type_``; ``None`` stays ``None``. DataError when it cannot be cast."""
    if value is None:
        return None
    if isinstance(value, Mapping | list):
        raise DataError(f"Cast: cannot cast a {type(value).__name__} to {type_}")
    try:
        if type_ in _RANGES:
            number = _to_int(value)
            bits = _RANGES[type_]
            if not -(2 ** (bits - 1)) <= number < 2 ** (bits - 1):
                raise DataError(f"Cast: {value!r} does not fit in {type_}")
            return number
        if type_ in ("float32", "float64"):
            if isinstance(value, bytes):
                raise ValueError("bytes")
            return float(value)
        if type_ == "boolean":
            return _to_bool(value)
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, bytes):
            return base64.b64encode(value).decode()
        return str(value)
    except (TypeError, ValueError) as exc:
        raise DataError(f"Cast: cannot cast {value!r} to {type_}") from exc


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        return int(value)  # truncates toward zero, as Java's narrowing does
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            return int(float(text))
    if isinstance(value, int):
        return value
    raise TypeError(type(value).__name__)


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError(f"not a boolean: {value!r}")


def _cast_schema(schema: Mapping[str, Any], type_: str) -> dict[str, Any]:
    return primitive(type_, optional=bool(schema.get("optional", False)))


class Cast(KeyOrValueTransform):
    """Cast the whole key/value (``spec=int64``) or fields of it (``spec=a:int32,b:string``)."""

    config_model = CastConfig

    def configure(self, config: Mapping[str, Any]) -> None:
        self.options = cfg = CastConfig.model_validate(dict(config))
        self.whole: str | None = None
        self.casts: dict[str, str] = {}
        for item in cfg.spec:
            name, sep, type_ = item.rpartition(":")
            if sep:
                self.casts[name.strip()] = type_.strip()
            else:
                self.whole = type_.strip()

    def apply(self, record: R) -> R | None:
        data, schema = self.operand(record)
        if self.whole is not None:
            new_schema = None if schema is None else _cast_schema(schema, self.whole)
            return self.updated(record, cast_value(data, self.whole), new_schema)
        if data is None:
            return record
        value = self.require_map(data, "Cast")
        for name, type_ in self.casts.items():
            if name in value:
                value[name] = cast_value(value[name], type_)
        new: Schema | None = None
        if schema is not None:
            new = with_fields(
                schema,
                [
                    {"field": f["field"], **_cast_schema(f, self.casts[f["field"]])}
                    if f["field"] in self.casts
                    else f
                    for f in fields_of(schema, "Cast")
                ],
            )
        return self.updated(record, value, new)


class CastKey(Cast):
    """Cast on the record key."""

    target = "key"
    aliases = ("org.apache.kafka.connect.transforms.Cast$Key",)


class CastValue(Cast):
    """Cast on the record value."""

    target = "value"
    aliases = ("org.apache.kafka.connect.transforms.Cast$Value",)
