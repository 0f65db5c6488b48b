"""Converters turn Kafka bytes into values and back."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar


class Converter(ABC):
    """Bytes ⇄ value for a record key or value.

    ``configure`` receives the converter's own options (the ``key.converter.`` or
    ``value.converter.`` prefix removed, e.g. ``{"schemas.enable": "false"}``).
    Raise ``DataError`` for input that cannot be converted.
    """

    aliases: ClassVar[tuple[str, ...]] = ()
    version: ClassVar[str] = "0.0.0"

    def configure(self, config: Mapping[str, Any], *, is_key: bool) -> None:
        """Take options; the default accepts any."""

    @abstractmethod
    def to_bytes(self, topic: str, value: Any, schema: Mapping[str, Any] | None) -> bytes | None:
        """Serialize ``value`` (with its schema, if any) for ``topic``."""

    @abstractmethod
    def from_bytes(self, topic: str, data: bytes | None) -> tuple[Any, Mapping[str, Any] | None]:
        """Deserialize to ``(value, schema)``; schema is ``None`` when there is none."""
