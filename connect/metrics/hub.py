"""A worker's metrics: per-task counters, plugin metrics, rebalance state, the sampler."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable

from connect.api import NoMetrics, PluginMetrics
from connect.metrics.plugin import PluginMetricStore
from connect.metrics.task import TaskKind, TaskMetrics
from connect.status import TaskId

SAMPLE_INTERVAL_S = 1.0
_NO_METRICS = NoMetrics()


class WorkerMetrics:
    """Everything ``/metrics`` reads for one worker.

    With ``enabled=False`` (``metrics.enabled=false``) plugins get ``NoMetrics``, nothing
    is sampled and sinks do not read their lag; the runners' plain counters remain.
    """

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.tasks: dict[TaskId, TaskMetrics] = {}
        self.plugins = PluginMetricStore()
        self.rebalances = 0
        self.rebalancing = False
        self._sampler: asyncio.Task[None] | None = None

    def task(self, tid: TaskId, kind: TaskKind) -> TaskMetrics:
        """The counters of ``tid``: the same object across restarts of the task."""
        found = self.tasks.get(tid)
        if found is None or found.kind != kind:
            found = self.tasks[tid] = TaskMetrics(kind)
            found.enabled = self.enabled
        return found

    def scope(self, connector: str, task: int | None = None) -> PluginMetrics:
        if not self.enabled:
            return _NO_METRICS
        return self.plugins.scope(connector, task)

    def close_scope(self, connector: str, task: int | None = None) -> None:
        """Remove the plugin metrics of a task (or connector) that stopped."""
        self.plugins.scope(connector, task).close()

    def forget(self, keep: Iterable[TaskId]) -> None:
        """Drop the counters of every task not in ``keep`` (deleted ones)."""
        wanted = set(keep)
        for tid in [t for t in self.tasks if t not in wanted]:
            del self.tasks[tid]

    def rebalance_started(self) -> None:
        self.rebalancing = True

    def rebalance_completed(self) -> None:
        self.rebalancing = False
        self.rebalances += 1

    def sample(self) -> None:
        now = time.monotonic()
        for metrics in list(self.tasks.values()):
            metrics.sample(now)
        self.plugins.sample(now)

    def start(self) -> None:
        """Sample the totals once a second (for the ``*_rate`` metrics)."""
        if self._sampler is None and self.enabled:
            self._sampler = asyncio.create_task(self._sample_loop(), name="metrics-sampler")

    async def _sample_loop(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(SAMPLE_INTERVAL_S)

    async def stop(self) -> None:
        sampler, self._sampler = self._sampler, None
        if sampler is not None:
            sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sampler
