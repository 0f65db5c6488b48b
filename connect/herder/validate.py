"""Kafka Connect's ``ConfigInfos`` and config-definition shapes, from pydantic models."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog

from connect.api import ConfigError, Connector
from connect.config import CommonTaskConfig
from connect.configinfo import config_key_infos, recommended_values
from connect.herder.base import BadRequest, NotFound
from connect.plugins import PluginRegistry
from connect.secrets import mask
from connect.validation import Checked, check_config

log = structlog.get_logger(__name__)


def check_for_create(
    name: str, config: Mapping[str, Any], registry: PluginRegistry, *, strict: bool
) -> Checked:
    """Validate a connector config before it is stored; ``BadRequest`` lists every problem.

    Keys that nothing reads are logged as warnings, or refused when ``strict`` (worker
    ``config.unknown.keys=error``).
    """
    checked = check_config(config, registry, prefix="", strict=strict)
    if not checked.ok:
        raise BadRequest(
            f"Connector configuration is invalid and contains the following "
            f"{len(checked.problems)} error(s):\n" + "\n".join(checked.problems)
        )
    for unknown in checked.unknown:
        log.warning(
            "unknown config key",
            connector=name,
            key=unknown.key,
            did_you_mean=unknown.suggestion,
        )
    return checked


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
    registry: PluginRegistry, plugin: str, config: Mapping[str, Any], *, strict: bool = False
) -> dict[str, Any]:
    """``PUT /connector-plugins/{plugin}/config/validate``: per-key values and errors.

    Keys that nothing reads show as entry errors and in ``warnings``; with ``strict``
    (worker ``config.unknown.keys=error``) they are plain errors.
    """
    cls = connector_class(registry, plugin)
    merged = {"connector.class": plugin, **config}
    checked = check_config(merged, registry, prefix="", strict=strict)
    errors: dict[str, list[str]] = {}
    # a key nothing reads is an entry error too (Kafka Connect's shape has no warnings),
    # listed again in "warnings": creating the connector still works unless strict
    for line in checked.problems + ([] if strict else checked.warnings):
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
        "warnings": [] if strict else checked.warnings,
    }
