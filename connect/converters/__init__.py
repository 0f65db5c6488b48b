"""Built-in converters and the builder that picks a task's key and value converters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connect.api import Converter
from connect.plugins import PluginRegistry

DEFAULT_CONVERTER = "json"


def build_converter(
    registry: PluginRegistry,
    config: Mapping[str, Any],
    worker_defaults: Mapping[str, Any],
    *,
    is_key: bool,
) -> Converter:
    """The key or value converter of a task: its own setting, else the worker's, else json.

    Options come from ``<key|value>.converter.*`` keys, the task's over the worker's.
    """
    prefix = "key.converter" if is_key else "value.converter"
    name = config.get(prefix) or worker_defaults.get(prefix) or DEFAULT_CONVERTER
    options: dict[str, Any] = {}
    for source in (worker_defaults, config):
        options.update(
            {k[len(prefix) + 1 :]: v for k, v in source.items() if k.startswith(prefix + ".")}
        )
    converter = registry.converter(str(name))()
    converter.configure(options, is_key=is_key)
    return converter
