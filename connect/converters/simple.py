"""Pass-through converters: raw bytes and UTF-8 strings."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from connect import __version__
from connect.api import Converter, DataError


class BytesConverter(Converter):
    """Raw bytes in and out (Kafka Connect's ByteArrayConverter)."""

    version = __version__
    aliases = ("ByteArrayConverter", "org.apache.kafka.connect.converters.ByteArrayConverter")

    def to_bytes(self, topic: str, value: Any, schema: Mapping[str, Any] | None) -> bytes | None:
        if value is None or isinstance(value, bytes):
            return value
        if isinstance(value, bytearray | memoryview):
            return bytes(value)
        if isinstance(value, str):
            return value.encode()
        raise DataError(f"bytes converter needs bytes, got {type(value).__name__}")

    def from_bytes(self, topic: str, data: bytes | None) -> tuple[Any, Mapping[str, Any] | None]:
        return data, None


class StringConverter(Converter):
    """UTF-8 text (Kafka Connect's StringConverter); non-text values are written as JSON."""

    version = __version__
    aliases = ("StringConverter", "org.apache.kafka.connect.storage.StringConverter")

    def configure(self, config: Mapping[str, Any], *, is_key: bool) -> None:
        self.encoding = str(config.get("encoding", "utf-8"))

    def to_bytes(self, topic: str, value: Any, schema: Mapping[str, Any] | None) -> bytes | None:
        if value is None:
            return None
        if isinstance(value, bytes):
            return value
        text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
        return text.encode(self.encoding)

    def from_bytes(self, topic: str, data: bytes | None) -> tuple[Any, Mapping[str, Any] | None]:
        if data is None:
            return None, None
        try:
            return data.decode(self.encoding), None
        except UnicodeDecodeError as exc:
            raise DataError(f"not valid {self.encoding} text: {exc}") from exc
