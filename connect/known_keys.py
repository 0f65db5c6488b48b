"""Which config keys some part of the runtime reads, and did-you-mean for the others.

A task config is read by: the common keys (``CommonTaskConfig``), the connector's model,
the converters (``key.converter.*``, ``value.converter.*``), the transforms and predicates
(``transforms.<alias>.*``, ``predicates.<alias>.*``), client prefixes (``producer.``,
``consumer.``, ``admin.``, ``*.override.``) and config providers (``config.providers*``).
A worker config is read by ``WorkerConfig``, the REST API's auth keys, converter defaults
and client prefixes. Any other key is unknown: a warning, or an error when asked to be
strict (``validate --strict``, worker ``config.unknown.keys=error``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import AliasChoices, AliasPath, BaseModel

CLIENT_PREFIXES = (
    "producer.override.",
    "consumer.override.",
    "admin.override.",
    "producer.",
    "consumer.",
    "admin.",
)
TASK_PREFIXES = ("key.converter.", "value.converter.", "config.providers.", *CLIENT_PREFIXES)
TASK_KEYS = frozenset({"name", "config.providers", "exactly.once.support"})
"""Task keys the runtime reads outside ``CommonTaskConfig`` (the source runner reads
``exactly.once.support``)."""
WORKER_PREFIXES = ("key.converter.", "value.converter.", "config.providers.", *CLIENT_PREFIXES)
WORKER_KEYS = {
    "key.converter",
    "value.converter",
    "config.providers",
    "rest.auth.credentials.file",
    "rest.auth.token",
    "metrics.auth.enabled",
    "ui.read.only",
}
"""Worker keys read outside ``WorkerConfig``; a feature that reads another adds it here."""
_STEP_KEYS = ("type", "predicate", "negate")


@dataclass(frozen=True)
class UnknownKey:
    """A key nothing reads, and the known key it most likely meant."""

    key: str
    suggestion: str | None = None

    def message(self) -> str:
        if self.suggestion:
            return f"unknown key, did you mean '{self.suggestion}'?"
        return "unknown key: nothing reads it"


def model_keys(model: type[BaseModel]) -> set[str]:
    """Every key a pydantic model accepts: field names, aliases and alias choices."""
    keys: set[str] = set()
    for name, info in model.model_fields.items():
        keys.add(name)
        if info.alias:
            keys.add(info.alias)
        keys.update(_validation_aliases(info.validation_alias))
    return keys


def _validation_aliases(alias: str | AliasPath | AliasChoices | None) -> set[str]:
    if alias is None:
        return set()
    if isinstance(alias, str):
        return {alias}
    if isinstance(alias, AliasPath):
        return {str(alias.path[0])}
    out: set[str] = set()
    for choice in alias.choices:
        out |= _validation_aliases(choice)
    return out


def suggest(key: str, known: Iterable[str]) -> str | None:
    """The known key closest to ``key``, if one is close enough to be a typo."""
    close = difflib.get_close_matches(key, sorted(set(known)), n=1, cutoff=0.7)
    return close[0] if close else None


def _aliases(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list | tuple):
        return [str(part).strip() for part in value if str(part).strip()]
    return []


def _plugin_model(registry: Any, kind: str, name: Any) -> type[BaseModel] | None:
    """The option model of a transform or predicate, when it declares its options."""
    if not isinstance(name, str) or not name.strip():
        return None
    try:
        cls = getattr(registry, kind)(name.strip())
    except Exception:  # reported by the transform chain's own checks
        return None
    model = getattr(cls, "config_model", None)
    if isinstance(model, type) and issubclass(model, BaseModel) and model.model_fields:
        return model
    return None


def task_unknown_keys(
    config: Mapping[str, Any],
    models: Iterable[type[BaseModel]],
    registry: Any,
) -> list[UnknownKey]:
    """Keys of a task ``config`` that neither ``models`` nor the runtime reads, in order."""
    known: set[str] = set(TASK_KEYS)
    for model in models:
        known |= model_keys(model)
    steps: dict[str, type[BaseModel] | None] = {}
    for group, kind in (("transforms", "transform"), ("predicates", "predicate")):
        for alias in _aliases(config.get(group)):
            prefix = f"{group}.{alias}."
            steps[prefix] = _plugin_model(registry, kind, config.get(f"{prefix}type"))
            known |= {f"{prefix}{k}" for k in _STEP_KEYS}
            options = steps[prefix]
            if options is not None:
                known |= {f"{prefix}{k}" for k in model_keys(options)}
    out = []
    for key in config:
        if key in known or key.startswith(TASK_PREFIXES):
            continue
        step = next((p for p in steps if key.startswith(p)), None)
        if step is not None and steps[step] is None:
            continue  # a transform that does not declare its options: it reads them itself
        out.append(UnknownKey(key, suggest(key, known)))
    return out


def worker_unknown_keys(extra: Mapping[str, Any], declared: Iterable[str]) -> list[UnknownKey]:
    """Keys of a worker config (its extras beyond ``declared``) that nothing reads."""
    known = set(declared) | WORKER_KEYS
    return [
        UnknownKey(key, suggest(key, known))
        for key in extra
        if key not in known and not key.startswith(WORKER_PREFIXES)
    ]
