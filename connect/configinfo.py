"""Kafka Connect's config descriptions built from pydantic models.

``ConfigKeyInfo`` (``GET /connector-plugins/{plugin}/config``) and ``ConfigInfos``
(``PUT /connector-plugins/{plugin}/config/validate``, built by the herder) describe each
key with Kafka's type names (STRING, INT, BOOLEAN, LIST, PASSWORD ...).
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, Union

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from connect.secrets import MASK, is_secret_key

_SCALARS: dict[Any, str] = {
    str: "STRING",
    int: "LONG",
    float: "DOUBLE",
    bool: "BOOLEAN",
    SecretStr: "PASSWORD",
    bytes: "STRING",
}


def _kafka_type(annotation: Any) -> str:
    """Kafka's ConfigDef type name for a field annotation."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _kafka_type(typing.get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _kafka_type(args[0]) if len(args) == 1 else "STRING"
    if origin is Literal:
        values = typing.get_args(annotation)
        return _SCALARS.get(type(values[0]), "STRING") if values else "STRING"
    if origin in (list, tuple, set, frozenset):
        return "LIST"
    if origin in (dict, Mapping):
        return "STRING"
    return _SCALARS.get(annotation, "STRING")


def _recommended(annotation: Any) -> list[str]:
    """Allowed values of a ``Literal`` field (possibly optional), else ``[]``."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _recommended(typing.get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        out: list[str] = []
        for arg in typing.get_args(annotation):
            out += _recommended(arg)
        return out
    if origin is Literal:
        return [str(_as_text(v)) for v in typing.get_args(annotation)]
    return []


def _as_text(value: Any) -> str | None:
    """A value as Kafka Connect shows it: a string (lists comma-joined), or null."""
    if value is None:
        return None
    if isinstance(value, SecretStr):
        return MASK
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | set | frozenset):
        return ",".join(str(_as_text(v)) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def _default(info: FieldInfo) -> str | None:
    if info.is_required():
        return None
    if info.default_factory is not None:
        try:
            value = info.default_factory()  # type: ignore[call-arg]
        except TypeError:
            return None
    else:
        value = info.default
    if value is PydanticUndefined:
        return None
    return _as_text(value)


def field_key(name: str, info: FieldInfo) -> str:
    """The task-JSON key of a model field (its alias, else its name)."""
    return info.alias or name


def config_key_infos(model: type[BaseModel] | None, group: str = "Common") -> list[dict[str, Any]]:
    """One Kafka Connect ``ConfigKeyInfo`` per field of ``model``, in declaration order."""
    if model is None:
        return []
    out = []
    for order, (name, info) in enumerate(model.model_fields.items()):
        key = field_key(name, info)
        kafka_type = _kafka_type(info.annotation)
        secret = kafka_type == "PASSWORD" or is_secret_key(key)
        default = _default(info)
        out.append(
            {
                "name": key,
                "type": kafka_type,
                "required": info.is_required(),
                "default_value": MASK if secret and default else default,
                "importance": "HIGH" if info.is_required() else "MEDIUM",
                "documentation": info.description or "",
                "group": group,
                "width": "NONE",
                "display_name": info.title or key,
                "dependents": [],
                "order": order,
            }
        )
    return out


def recommended_values(model: type[BaseModel] | None, key: str) -> list[str]:
    """The values a key may take, when its type says (a Literal or an enum)."""
    return _recommended(_annotation(model, key))


def _annotation(model: type[BaseModel] | None, key: str) -> Any:
    if model is None:
        return None
    for name, info in model.model_fields.items():
        if field_key(name, info) == key:
            return info.annotation
    return None
