"""``ClusterWatch.stop`` returns even when the cancel it sends is lost."""

from __future__ import annotations

import asyncio
from typing import Any

from connect.api.kafka import ClusterWatch


class _Admin:
    """An admin client whose cluster answers at the moment the watch is stopped."""

    def __init__(self) -> None:
        self.watch: ClusterWatch | None = None
        self.stopper: asyncio.Future[None] | None = None
        self.asked = asyncio.Event()

    async def start(self) -> None:
        pass

    async def describe_cluster(self) -> dict[str, Any]:
        assert self.watch is not None
        if self.stopper is None:
            # stop() runs on the next turn of the loop, before wait_for hears the answer:
            # its cancel meets a finished call, which Python 3.11's wait_for drops
            self.stopper = asyncio.ensure_future(self.watch.stop())
            self.asked.set()
        return {}

    async def close(self) -> None:
        pass


async def test_stop_survives_a_cancel_that_wait_for_drops() -> None:
    admin = _Admin()
    watch = ClusterWatch(lambda **_: admin, "test", lambda note: None, interval=0.01)  # type: ignore[arg-type,return-value]
    admin.watch = watch
    watch.start()
    await asyncio.wait_for(admin.asked.wait(), 5)
    assert admin.stopper is not None
    # asyncio.wait, not wait_for: stop() swallows the cancel wait_for sends at its timeout
    done, _ = await asyncio.wait({admin.stopper}, timeout=5)
    assert done, "stop() did not return"
