"""MaskField: replace field values with an empty value of their type or a replacement."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import Field

from connect.api import CommaList, DataError
from connect.transforms.base import KeyOrValueTransform, R, TransformConfig
from connect.transforms.schema import FLOAT_TYPES, INTEGER_TYPES, field_schema, fields_of


class MaskFieldConfig(TransformConfig):
    """Options of MaskField."""

    fields: CommaList = Field(min_length=1, description="Fields to mask")
    replacement: str | None = Field(
        None, description="Replacement for string and numeric fields (default: empty value)"
    )


def _empty(value: Any, type_: str | None) -> Any:
    """The 'null-equivalent' of a value: 0, False, "", b"", [] or {}."""
    if type_ in INTEGER_TYPES or (
        type_ is None and isinstance(value, int) and not isinstance(value, bool)
    ):
        return 0
    if type_ in FLOAT_TYPES or (type_ is None and isinstance(value, float)):
        return 0.0
    if type_ == "boolean" or isinstance(value, bool):
        return False
    if type_ == "string" or isinstance(value, str):
        return ""
    if type_ == "bytes" or isinstance(value, bytes):
        return b""
    if type_ == "array" or isinstance(value, list):
        return []
    if type_ in ("map", "struct") or isinstance(value, dict):
        return {}
    return None


class MaskField(KeyOrValueTransform):
    """Mask ``fields``: with ``replacement`` (strings and numbers) or the type's empty value."""

    config_model = MaskFieldConfig

    def configure(self, config: Mapping[str, Any]) -> None:
        self.options = cfg = MaskFieldConfig.model_validate(dict(config))
        self.fields = cfg.fields
        self.replacement = cfg.replacement

    def _replace(self, name: str, value: Any, type_: str | None) -> Any:
        if value is None:
            return None
        if self.replacement is None:
            return _empty(value, type_)
        try:
            if type_ in INTEGER_TYPES or (
                type_ is None and isinstance(value, int) and not isinstance(value, bool)
            ):
                return int(Decimal(self.replacement))
            if type_ in FLOAT_TYPES or (type_ is None and isinstance(value, float)):
                return float(self.replacement)
        except (InvalidOperation, ValueError) as exc:
            raise DataError(
                f"MaskField: replacement {self.replacement!r} is not a number for field {name!r}"
            ) from exc
        if type_ == "string" or (type_ is None and isinstance(value, str)):
            return self.replacement
        raise DataError(
            f"MaskField: cannot put a replacement into field {name!r} of type "
            f"{type_ or type(value).__name__}"
        )

    def apply(self, record: R) -> R | None:
        data, schema = self.operand(record)
        if data is None:
            return record
        value = self.require_map(data, "MaskField")
        if schema is not None:
            fields_of(schema, "MaskField")  # a struct schema is required
        for name in self.fields:
            if name not in value:
                continue
            type_ = None
            if schema is not None:
                fs = field_schema(schema, name)
                type_ = fs.get("type") if fs else None
            value[name] = self._replace(name, value[name], type_)
        return self.updated(record, value, schema)


class MaskFieldKey(MaskField):
    """MaskField on the record key."""

    target = "key"
    aliases = ("org.apache.kafka.connect.transforms.MaskField$Key",)


class MaskFieldValue(MaskField):
    """MaskField on the record value."""

    target = "value"
    aliases = ("org.apache.kafka.connect.transforms.MaskField$Value",)
