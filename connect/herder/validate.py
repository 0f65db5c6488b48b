"""Kafka Connect's ``ConfigInfos`` and config-definition shapes, from pydantic models."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connect.api import ConfigError, Connector
from connect.config import CommonTaskConfig
from connect.configinfo import config_key_infos, recommended_values
from connect.herder.base import NotFound
from connect.plugins import PluginRegistry
from connect.secrets import mask
from connect.validation import check_config


def connector_class(registry: PluginRegistry, plugin: str) -> type[Connector]:
    try:
        return registry.connector(plugin)
    except ConfigError as exc:
        raise NotFound(str(exc)) from exc


def config_definitions(registry: PluginRegistry, plugin: str) -> list[dict[str, Any]]:
    """``GET /connector-plugins/{plugin}/config``."""
    cls = connector_class(registry, plugin)
    return config_key_infos(CommonTaskConfig, "Common") + config_key_infos(
        cls.config_model, cls.__name__
    )


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
                    "recommended_values": recommended_values(
                        CommonTaskConfig if definition["group"] == "Common" else cls.config_model,
                        key,
                    ),
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
