"""Two-layer validation of a task config: the common keys, then the connector's model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from connect.api import ConfigError, Connector, SinkConnector
from connect.config import CommonTaskConfig, format_errors, resolve_all
from connect.plugins import PluginRegistry


@dataclass
class Checked:
    """The outcome of validating one task config."""

    config: dict[str, Any]
    connector: type[Connector] | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_config(
    config: Mapping[str, Any], registry: PluginRegistry, *, prefix: str = "config."
) -> Checked:
    """Validate ``config``; every problem is a line ``<key>: <what is expected>``.

    The returned ``config`` is normalized (another vocabulary, e.g. Huawei's keys,
    rewritten by the connector) but keeps ``${...}`` references unresolved.
    """
    checked = Checked(dict(config))
    try:
        resolved = resolve_all(config)
    except ConfigError as exc:
        checked.problems.append(f"{prefix}{exc}")
        return checked
    name = resolved.get("connector.class")
    if not name:
        checked.problems.append(f"{prefix}connector.class: required key is missing")
        return checked
    try:
        cls = registry.connector(str(name))
    except ConfigError as exc:
        checked.problems.append(f"{prefix}connector.class: {exc}")
        return checked
    checked.connector = cls
    try:
        normalized = cls.normalize(resolved)
        checked.config = cls.normalize(dict(config))
    except ConfigError as exc:
        checked.problems.append(f"{prefix}{exc}")
        return checked
    try:
        common = CommonTaskConfig.model_validate(normalized)
    except ValidationError as exc:
        checked.problems.extend(format_errors(exc, prefix))
        common = None
    try:
        cls.validate(normalized)
    except ValidationError as exc:
        checked.problems.extend(format_errors(exc, prefix))
    except ConfigError as exc:
        checked.problems.append(f"{prefix}{exc}")
    if common is not None:
        checked.problems.extend(_check_common(cls, common, normalized, registry, prefix))
    return checked


def _check_common(
    cls: type[Connector],
    common: CommonTaskConfig,
    config: Mapping[str, Any],
    registry: PluginRegistry,
    prefix: str,
) -> list[str]:
    problems: list[str] = []
    if issubclass(cls, SinkConnector) and not (common.topics or common.topics_regex):
        problems.append(f"{prefix}topics: a sink needs topics or topics.regex")
    for key in ("key.converter", "value.converter"):
        if config.get(key):
            try:
                registry.converter(str(config[key]))
            except ConfigError as exc:
                problems.append(f"{prefix}{key}: {exc}")
    if common.transforms or common.predicates:
        from connect.transforms.chain import TransformChain

        problems.extend(f"{prefix}{line}" for line in TransformChain.validate(config, registry))
    return problems
