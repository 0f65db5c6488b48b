"""JSON converter with Kafka Connect's optional ``{"schema", "payload"}`` envelope."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from json.decoder import JSONDecoder
from typing import Any

from connect import __version__
from connect.api import Converter, DataError


def infer_schema(value: Any) -> dict[str, Any]:
    """A Kafka Connect JSON schema describing ``value``."""
    if value is None:
        return {"type": "string", "optional": True}
    if isinstance(value, bool):
        return {"type": "boolean", "optional": False}
    if isinstance(value, int):
        return {"type": "int64", "optional": False}
    if isinstance(value, float):
        return {"type": "double", "optional": False}
    if isinstance(value, str):
        return {"type": "string", "optional": False}
    if isinstance(value, bytes):
        return {"type": "bytes", "optional": False}
    if isinstance(value, list):
        items = infer_schema(value[0]) if value else {"type": "string", "optional": True}
        return {"type": "array", "items": items, "optional": False}
    if isinstance(value, dict):
        fields = [{"field": k, **infer_schema(v)} for k, v in value.items()]
        return {"type": "struct", "fields": fields, "optional": False}
    raise DataError(f"cannot describe a {type(value).__name__} as JSON")


# the C scanner json.loads uses, and the whitespace it allows after a document
_scan: Any = JSONDecoder().scan_once  # type: ignore[attr-defined]
_whitespace = re.compile(r"[ \t\n\r]*").match


def _loads(text: str) -> Any:
    """``json.loads(text)`` without its per-call overhead in the common case (a document
    starting at the first character); anything else goes through ``json.loads``, which
    gives the usual errors."""
    try:
        doc, end = _scan(text, 0)
    except StopIteration:
        return json.loads(text)
    if end != len(text) and _whitespace(text, end).end() != len(text):  # type: ignore[union-attr]
        return json.loads(text)  # trailing data: raises "Extra data"
    return doc


def _default(obj: Any) -> Any:
    if isinstance(obj, bytes | bytearray):
        return base64.b64encode(obj).decode()
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")


class JsonConverter(Converter):
    """JSON values; with ``schemas.enable`` (default true, as Kafka Connect) each message is
    ``{"schema": ..., "payload": ...}`` and the schema travels with the record."""

    version = __version__
    aliases = ("JsonConverter", "org.apache.kafka.connect.json.JsonConverter")

    def configure(self, config: Mapping[str, Any], *, is_key: bool) -> None:
        enabled = config.get("schemas.enable", True)
        self.schemas_enable = (
            enabled if isinstance(enabled, bool) else str(enabled).strip().lower() == "true"
        )

    def to_bytes(self, topic: str, value: Any, schema: Mapping[str, Any] | None) -> bytes | None:
        if value is None and not self.schemas_enable:
            return None
        doc = value
        if self.schemas_enable:
            doc = {"schema": dict(schema) if schema else infer_schema(value), "payload": value}
        try:
            return json.dumps(doc, separators=(",", ":"), default=_default).encode()
        except (TypeError, ValueError) as exc:
            raise DataError(f"cannot write JSON: {exc}") from exc

    def from_bytes(self, topic: str, data: bytes | None) -> tuple[Any, Mapping[str, Any] | None]:
        if data is None:
            return None, None
        try:
            # decoding first skips json's encoding detection: measurably faster per record
            doc = _loads(data.decode("utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise DataError(f"not valid JSON: {exc}") from exc
        if not self.schemas_enable:
            return doc, None
        if not isinstance(doc, dict) or set(doc) != {"schema", "payload"}:
            raise DataError(
                'schemas.enable=true needs {"schema": ..., "payload": ...}; '
                "set schemas.enable=false for plain JSON"
            )
        return doc["payload"], doc["schema"]
