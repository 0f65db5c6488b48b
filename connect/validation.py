"""Two-layer validation of a task config: the common keys, then the connector's model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from connect.api import ConfigError, Connector, SinkConnector
from connect.config import CommonTaskConfig, format_errors, resolve_each
from connect.known_keys import UnknownKey, task_unknown_keys
from connect.plugins import PluginRegistry


@dataclass
class Checked:
    """The outcome of validating one task config.

    ``problems`` make the config invalid; ``warnings`` name keys that nothing reads (they
    are problems too when the check is strict).
    """

    config: dict[str, Any]
    connector: type[Connector] | None = None
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unknown: list[UnknownKey] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_config(
    config: Mapping[str, Any],
    registry: PluginRegistry,
    *,
    prefix: str = "config.",
    strict: bool = False,
) -> Checked:
    """Validate ``config``; every problem is a line ``<key>: <what is expected>``.

    Every problem of the config is reported in one pass: each unresolved ``${...}``
    reference, the common keys, the connector's keys and keys that nothing reads (as
    warnings, or as problems when ``strict``). The returned ``config`` is normalized
    (another vocabulary, e.g. Huawei's keys, rewritten by the connector) but keeps
    ``${...}`` references unresolved.
    """
    checked = Checked(dict(config))
    resolved, failed = resolve_each(config)
    checked.problems.extend(f"{prefix}{key}: {why}" for key, why in failed.items())
    name = resolved.get("connector.class")
    if not name or "connector.class" in failed:
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
    found: list[str] = []
    try:
        common = CommonTaskConfig.model_validate(normalized)
    except ValidationError as exc:
        found.extend(format_errors(exc, prefix))
        common = None
    try:
        cls.validate(normalized)
    except ValidationError as exc:
        found.extend(format_errors(exc, prefix))
    except ConfigError as exc:
        found.append(f"{prefix}{exc}")
    if common is not None:
        found.extend(_check_common(cls, common, normalized, registry, prefix))
    # a value that is still a ${...} reference was reported above; its type is unknown
    skip = {f"{prefix}{key}" for key in failed}
    found = [line for line in found if line.partition(": ")[0] not in skip]
    _unknown(checked, cls, normalized, set(config), registry, prefix, found)
    checked.problems.extend(dict.fromkeys(found))
    if strict:
        checked.problems.extend(checked.warnings)
    return checked


def _unknown(
    checked: Checked,
    cls: type[Connector],
    config: Mapping[str, Any],
    given: set[str],
    registry: PluginRegistry,
    prefix: str,
    found: list[str],
) -> None:
    """Report keys nothing reads; a typo of a required key replaces its "missing" line.

    Only keys the user gave count: keys that ``normalize`` wrote are the connector's own.
    """
    if not cls.config_model.model_fields:
        return  # the connector declares no options: it may read any key
    models = (CommonTaskConfig, cls.config_model)
    checked.unknown = [u for u in task_unknown_keys(config, models, registry) if u.key in given]
    for unknown in checked.unknown:
        line = f"{prefix}{unknown.key}: {unknown.message()}"
        missing = f"{prefix}{unknown.suggestion}: required key is missing"
        if unknown.suggestion and missing in found:
            found[found.index(missing)] = f"{line} ({unknown.suggestion} is required)"
        else:
            checked.warnings.append(line)


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
