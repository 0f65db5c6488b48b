"""Helpers for connector configuration models.

A connector declares its options as a pydantic model whose field aliases are the
dotted task-JSON keys (``s3.bucket.name``). Values arrive as strings or native JSON
types; pydantic's lax mode turns ``"3"`` into ``3`` and ``"true"`` into ``True``.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, SecretStr


def _split_commas(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


CommaList = Annotated[list[str], BeforeValidator(_split_commas)]
"""A list given either as a JSON list or as a comma-separated string."""


class ConnectorConfig(BaseModel):
    """Base for connector config models: keys by alias or name, unknown keys ignored.

    The full task config is validated against the model, so the common keys
    (``connector.class``, ``tasks.max``, converters ...) are simply ignored here.
    Mark secrets as ``SecretStr``: they are masked wherever configs are shown.
    """

    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


def secret_keys(model: type[BaseModel]) -> set[str]:
    """The task-JSON keys of ``model`` whose values are secrets (``SecretStr`` fields)."""
    keys: set[str] = set()
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if annotation is SecretStr or SecretStr in getattr(annotation, "__args__", ()):
            keys.add(info.alias or name)
    return keys
