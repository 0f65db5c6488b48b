"""Offsets kept in memory only (tests, and connectors that need no positions)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connect.offsets.base import OffsetStore


class MemoryOffsetStore(OffsetStore):
    """Lost when the process ends."""

    async def _persist(self, connector: str, offsets: Mapping[str, Any]) -> None:
        return None
