"""TransformChain: the ``transforms`` / ``predicates`` keys of a task config, built and applied.

    transforms=route,mask
    transforms.route.type=RegexRouter          # entry point name, alias or module:Class
    transforms.route.regex=(.*)-raw
    transforms.route.replacement=$1
    transforms.route.predicate=isRaw           # optional: only where the predicate holds
    transforms.route.negate=false              # optional: ... or where it does not
    predicates=isRaw
    predicates.isRaw.type=TopicNameMatches
    predicates.isRaw.pattern=.*-raw

Every problem is a ``ConfigError`` whose ``key`` is the full task-config key.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import ValidationError

from connect.api import ConfigError, ConnectRecord, Predicate, Transformation
from connect.plugins import PluginRegistry

R = TypeVar("R", bound=ConnectRecord)

_STEP_KEYS = ("type", "predicate", "negate")


@dataclass(frozen=True, slots=True)
class Step:
    """One configured transform and the predicate that gates it."""

    alias: str
    transform: Transformation
    predicate: Predicate | None = None
    predicate_alias: str | None = None
    negate: bool = False

    def applies_to(self, record: ConnectRecord) -> bool:
        if self.predicate is None:
            return True
        return self.predicate.test(record) != self.negate


class TransformChain:
    """Transforms applied in configured order; a transform returning ``None`` drops the record.

    An exception raised by a transform or predicate carries a note naming the step.
    """

    def __init__(self, steps: list[Step] | None = None) -> None:
        self.steps: list[Step] = list(steps or [])

    def __len__(self) -> int:
        return len(self.steps)

    def __repr__(self) -> str:
        return f"TransformChain({', '.join(s.alias for s in self.steps)})"

    @classmethod
    def from_config(cls, config: Mapping[str, Any], registry: PluginRegistry) -> TransformChain:
        """Build the chain of a task config; raises the first ``ConfigError`` found."""
        steps, problems = _Builder(config, registry).build()
        if problems:
            raise problems[0]
        return cls(steps)

    @classmethod
    def validate(cls, config: Mapping[str, Any], registry: PluginRegistry) -> list[str]:
        """Every problem of the transform/predicate keys as ``key: message`` lines."""
        _, problems = _Builder(config, registry).build()
        return [str(p) for p in problems]

    def apply(self, record: R) -> R | None:
        """``record`` transformed by every step whose predicate lets it, or ``None`` if dropped."""
        for step in self.steps:
            try:
                if not step.applies_to(record):
                    continue
                result = step.transform.apply(record)
            except Exception as exc:
                exc.add_note(f"in transform {step.alias!r} ({type(step.transform).__name__})")
                raise
            if result is None:
                return None
            record = result
        return record

    def close(self) -> None:
        """Close every transform."""
        for step in self.steps:
            step.transform.close()


def _names(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list | tuple):
        return [str(part).strip() for part in value if str(part).strip()]
    raise ValueError(f"expected a comma-separated list, got {type(value).__name__}")


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "false"):
        return text == "true"
    raise ValueError(f"expected true or false, got {value!r}")


def _validation_problems(
    exc: ValidationError, prefix: str, given: Mapping[str, Any]
) -> list[ConfigError]:
    problems = []
    for error in exc.errors():
        loc = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "missing":
            message = "required option is missing"
            close = difflib.get_close_matches(loc, list(given), n=1, cutoff=0.7)
            if close:
                message += f"; did you mean it instead of {prefix}.{close[0]}?"
        problems.append(ConfigError(message, key=f"{prefix}.{loc}" if loc else prefix))
    return problems


class _Builder:
    """Reads the transform and predicate keys, collecting every problem on the way."""

    def __init__(self, config: Mapping[str, Any], registry: PluginRegistry) -> None:
        self.config = config
        self.registry = registry
        self.problems: list[ConfigError] = []

    def build(self) -> tuple[list[Step], list[ConfigError]]:
        predicates: dict[str, Predicate | None] = {}
        for alias in self._aliases("predicates"):
            predicates[alias] = self._plugin("predicate", f"predicates.{alias}", ("type",))
        steps = []
        for alias in self._aliases("transforms"):
            step = self._step(alias, predicates)
            if step is not None:
                steps.append(step)
        return steps, self.problems

    def _aliases(self, key: str) -> list[str]:
        try:
            aliases = _names(self.config.get(key))
        except ValueError as exc:
            self.problems.append(ConfigError(str(exc), key=key))
            return []
        duplicates = sorted({a for a in aliases if aliases.count(a) > 1})
        if duplicates:
            self.problems.append(ConfigError(f"duplicate names: {', '.join(duplicates)}", key=key))
        return list(dict.fromkeys(aliases))

    def _options(self, prefix: str, reserved: tuple[str, ...]) -> dict[str, Any]:
        start = f"{prefix}."
        return {
            key[len(start) :]: value
            for key, value in self.config.items()
            if key.startswith(start) and key[len(start) :] not in reserved
        }

    def _plugin(self, what: str, prefix: str, reserved: tuple[str, ...]) -> Any:
        """A configured transform or predicate instance, or ``None`` after recording problems."""
        type_key = f"{prefix}.type"
        name = self.config.get(type_key)
        if not name or not str(name).strip():
            self.problems.append(ConfigError(f"no {what} type given", key=type_key))
            return None
        try:
            if what == "transform":
                cls: type[Any] = self.registry.transform(str(name).strip())
            else:
                cls = self.registry.predicate(str(name).strip())
        except ConfigError as exc:
            self.problems.append(ConfigError(str(exc), key=type_key))
            return None
        options = self._options(prefix, reserved)
        try:
            plugin = cls()
            plugin.configure(options)
        except ValidationError as exc:
            self.problems.extend(_validation_problems(exc, prefix, options))
            return None
        except ConfigError as exc:
            key = f"{prefix}.{exc.key}" if exc.key else prefix
            message = str(exc).removeprefix(f"{exc.key}: ") if exc.key else str(exc)
            self.problems.append(ConfigError(message, key=key))
            return None
        except Exception as exc:  # a plugin's own check failed in some other way
            self.problems.append(
                ConfigError(f"{cls.__name__} rejected its options: {exc}", key=prefix)
            )
            return None
        return plugin

    def _step(self, alias: str, predicates: Mapping[str, Predicate | None]) -> Step | None:
        prefix = f"transforms.{alias}"
        transform: Transformation | None = self._plugin("transform", prefix, _STEP_KEYS)
        predicate_alias = self.config.get(f"{prefix}.predicate")
        predicate: Predicate | None = None
        if predicate_alias is not None and str(predicate_alias).strip():
            predicate_alias = str(predicate_alias).strip()
            if predicate_alias not in predicates:
                close = difflib.get_close_matches(predicate_alias, list(predicates), n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                declared = ", ".join(predicates) or "none"
                self.problems.append(
                    ConfigError(
                        f"unknown predicate {predicate_alias!r}.{hint} "
                        f"Declared in predicates: {declared}",
                        key=f"{prefix}.predicate",
                    )
                )
            else:
                predicate = predicates[predicate_alias]
        else:
            predicate_alias = None
        negate = False
        if f"{prefix}.negate" in self.config:
            try:
                negate = _bool(self.config[f"{prefix}.negate"])
            except ValueError as exc:
                self.problems.append(ConfigError(str(exc), key=f"{prefix}.negate"))
            if negate and predicate_alias is None:
                self.problems.append(
                    ConfigError("negate needs a predicate to negate", key=f"{prefix}.negate")
                )
        if transform is None or (predicate_alias is not None and predicate is None):
            return None
        return Step(alias, transform, predicate, predicate_alias, negate)
