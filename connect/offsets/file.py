"""Offsets in a local JSON file (``offset.storage.file.filename``, standalone only)."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from connect.offsets.base import OffsetStore


class FileOffsetStore(OffsetStore):
    """Rewrites the whole file atomically (write to a temp file, fsync, rename)."""

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = Path(path)

    async def on_start(self) -> None:
        if self.path.exists():
            text = await asyncio.to_thread(self.path.read_text, encoding="utf-8")
            if text.strip():
                self._data = {k: v for k, v in json.loads(text).items() if v is not None}

    async def _persist(self, connector: str, offsets: Mapping[str, Any]) -> None:
        data = dict(self._data)
        for key, value in offsets.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = dict(value)
        await asyncio.to_thread(self._write, data)

    def _write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(data, fh, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
