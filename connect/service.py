"""One small lifecycle base shared by the worker, runners, stores and servers.

    start() → on_start() → running … stop() → on_stop()

``start`` refuses a second start; ``stop`` is idempotent. ``sleep`` returns early
(``False``) once stopping began, so loops written with it end promptly.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Self


class Service:
    """Start/stop lifecycle with an early-returning ``sleep``."""

    def __init__(self) -> None:
        self._started = False
        self._stopped = False
        self._stopping = asyncio.Event()

    @property
    def stopping(self) -> bool:
        """True once ``stop`` was called."""
        return self._stopping.is_set()

    async def start(self) -> None:
        if self._started:
            raise RuntimeError(f"{type(self).__name__} already started")
        self._started = True
        await self.on_start()

    async def stop(self) -> None:
        self._stopping.set()
        if self._stopped or not self._started:
            self._stopped = True
            return
        self._stopped = True
        await self.on_stop()

    async def on_start(self) -> None:
        """Acquire resources."""

    async def on_stop(self) -> None:
        """Release resources, in reverse order of acquisition."""

    async def sleep(self, seconds: float) -> bool:
        """Sleep ``seconds``; return ``False`` early when stopping begins."""
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=max(seconds, 0))
        except TimeoutError:
            return True
        return False

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
