"""The offset store contract."""

from __future__ import annotations

import json
from abc import abstractmethod
from collections.abc import Mapping
from typing import Any

from connect.service import Service

Offsets = Mapping[str, Mapping[str, Any] | None]


def partition_key(connector: str, partition: Mapping[str, Any]) -> str:
    """The stored key of a source partition: compact JSON ``[connector, partition]``."""
    return json.dumps([connector, dict(partition)], separators=(",", ":"), sort_keys=True)


def split_key(key: str) -> tuple[str, dict[str, Any]] | None:
    try:
        connector, partition = json.loads(key)
    except (ValueError, TypeError):
        return None
    if not isinstance(connector, str) or not isinstance(partition, dict):
        return None
    return connector, partition


class OffsetStore(Service):
    """Source offsets, read from memory after ``start`` loaded them.

    ``write`` returns only once the offsets are durable in the store.
    """

    def __init__(self) -> None:
        super().__init__()
        self._data: dict[str, dict[str, Any]] = {}

    def get(self, connector: str, partition: Mapping[str, Any]) -> dict[str, Any] | None:
        return self._data.get(partition_key(connector, partition))

    def connector_offsets(self, connector: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """``(partition, offset)`` pairs stored for ``connector``."""
        out = []
        for key, value in self._data.items():
            parts = split_key(key)
            if parts and parts[0] == connector:
                out.append((parts[1], value))
        return out

    async def write(self, connector: str, offsets: Mapping[str, Any]) -> None:
        """Store ``{partition_key: offset or None}`` durably (keys from ``partition_key``)."""
        if not offsets:
            return
        await self._persist(connector, offsets)
        self.apply(offsets)

    def apply(self, offsets: Mapping[str, Any]) -> None:
        """Take offsets made durable elsewhere (e.g. in a transaction) into memory."""
        for key, value in offsets.items():
            if value is None:
                self._data.pop(key, None)
            else:
                self._data[key] = dict(value)

    @abstractmethod
    async def _persist(self, connector: str, offsets: Mapping[str, Any]) -> None:
        """Make ``offsets`` durable."""
