"""Kafka Connect's ``ConfigInfos`` and config-definition shapes, from pydantic models."""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, SecretStr

from connect.api import ConfigError, Connector
from connect.config import CommonTaskConfig
from connect.herder.base import NotFound
from connect.plugins import PluginRegistry
from connect.secrets import mask
from connect.validation import check_config


def _type_name(annotation: Any) -> str:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType) and args:
        return _type_name(args[0])
    if origin is typing.Annotated and args:
        return _type_name(args[0])
    if annotation is SecretStr:
        return "PASSWORD"
    if annotation is bool:
        return "BOOLEAN"
    if annotation is int:
        return "LONG"
    if annotation is float:
        return "DOUBLE"
    if origin is list or annotation is list:
        return "LIST"
    return "STRING"


def definitions(model: type[BaseModel], group: str) -> list[dict[str, Any]]:
    """One Kafka Connect ``ConfigKeyInfo`` per model field."""
    out = []
    for order, (name, info) in enumerate(model.model_fields.items()):
        key = info.alias or name
        default = None if info.is_required() else info.get_default(call_default_factory=True)
        out.append(
            {
                "name": key,
                "type": _type_name(info.annotation),
                "required": info.is_required(),
                "default_value": None if default is None else str(default),
                "importance": "HIGH" if info.is_required() else "MEDIUM",
                "documentation": info.description or "",
                "group": group,
                "width": "NONE",
                "display_name": key,
                "dependents": [],
                "order": order,
            }
        )
    return out


def connector_class(registry: PluginRegistry, plugin: str) -> type[Connector]:
    try:
        return registry.connector(plugin)
    except ConfigError as exc:
        raise NotFound(str(exc)) from exc


def config_definitions(registry: PluginRegistry, plugin: str) -> list[dict[str, Any]]:
    """``GET /connector-plugins/{plugin}/config``."""
    cls = connector_class(registry, plugin)
    return definitions(CommonTaskConfig, "Common") + definitions(cls.config_model, cls.__name__)


def config_infos(
    registry: PluginRegistry, plugin: str, config: Mapping[str, Any]
) -> dict[str, Any]:
    """``PUT /connector-plugins/{plugin}/config/validate``: per-key values and errors."""
    cls = connector_class(registry, plugin)
    merged = {"connector.class": plugin, **config}
    checked = check_config(merged, registry, prefix="")
    errors: dict[str, list[str]] = {}
    for line in checked.problems:
        key, _, message = line.partition(": ")
        errors.setdefault(key, []).append(message or line)
    shown = mask(merged)
    configs = []
    for definition in config_definitions(registry, plugin):
        key = definition["name"]
        value = shown.get(key)
        configs.append(
            {
                "definition": definition,
                "value": {
                    "name": key,
                    "value": None if value is None else str(value),
                    "recommended_values": [],
                    "errors": errors.pop(key, []),
                    "visible": True,
                },
            }
        )
    for key, messages in errors.items():
        configs.append(
            {
                "definition": {
                    "name": key,
                    "type": "STRING",
                    "required": False,
                    "default_value": None,
                    "importance": "LOW",
                    "documentation": "",
                    "group": "Other",
                    "width": "NONE",
                    "display_name": key,
                    "dependents": [],
                    "order": -1,
                },
                "value": {
                    "name": key,
                    "value": None if shown.get(key) is None else str(shown.get(key)),
                    "recommended_values": [],
                    "errors": messages,
                    "visible": True,
                },
            }
        )
    return {
        "name": f"{cls.__module__}.{cls.__qualname__}",
        "error_count": sum(len(c["value"]["errors"]) for c in configs),
        "groups": ["Common", cls.__name__],
        "configs": configs,
    }
