"""In-process clusters: several ``ClusterHerder`` workers sharing one event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from connect.config import WorkerConfig
from connect.herder.cluster import ClusterHerder
from connect.plugins import registry
from tests.helpers.kafka import SESSION_MS

# Tansu settles groups at session-timeout pace: keep it short (TANSU.md). Apache Kafka
# refuses sessions under group.min.session.timeout.ms (6 s by default).
FAST = {
    "session.timeout.ms": SESSION_MS,
    "heartbeat.interval.ms": 100,
    "rebalance.timeout.ms": 5000,
    "scheduled.rebalance.max.delay.ms": 1000,
    "offset.flush.interval.ms": 200,
    "task.shutdown.graceful.timeout.ms": 3000,
}


def cluster_config(bootstrap: str, unique: str, **overrides: Any) -> dict[str, Any]:
    """A worker config whose group and internal topics belong to one test only."""
    return {
        "bootstrap.servers": bootstrap,
        "group.id": f"cluster-{unique}",
        "config.storage.topic": f"configs-{unique}",
        "offset.storage.topic": f"offsets-{unique}",
        "status.storage.topic": f"status-{unique}",
        "offset.storage.partitions": 3,
        "status.storage.partitions": 2,
        "config.storage.replication.factor": 1,
        "offset.storage.replication.factor": 1,
        "status.storage.replication.factor": 1,
        **FAST,
        **overrides,
    }


class Cluster:
    """Workers started in this process; ``add`` joins one more."""

    def __init__(self, config: dict[str, Any], stack: AsyncExitStack) -> None:
        self.config = WorkerConfig.model_validate(config)
        self.workers: list[ClusterHerder] = []
        self._stack = stack
        self._registry = registry()

    async def add(self, count: int = 1) -> list[ClusterHerder]:
        """Start ``count`` more workers at once (one rebalance instead of several)."""
        new = []
        for _ in range(count):
            herder = ClusterHerder(self.config, self._registry)
            herder.set_identity(f"worker-{len(self.workers)}", None)
            self.workers.append(herder)
            new.append(herder)
        await asyncio.gather(*(h.start() for h in new))
        for herder in new:
            self._stack.push_async_callback(herder.stop)
        return new

    def placement(self) -> dict[str, list[str]]:
        """Which worker runs which task, from the workers themselves."""
        return {h.worker_id: [str(t) for t in h.running_tasks()] for h in self.workers}


@asynccontextmanager
async def running_cluster(config: dict[str, Any], size: int) -> AsyncIterator[Cluster]:
    async with AsyncExitStack() as stack:
        cluster = Cluster(config, stack)
        await cluster.add(size)
        yield cluster
