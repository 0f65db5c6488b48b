"""What source and sink runners share: converters, transforms, errors, pause/resume."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from connect.api import ConnectRecord, Converter, Monitorable, PluginMetrics, Task
from connect.api.metrics import NoMetrics
from connect.config import WorkerConfig, common
from connect.converters import build_converter
from connect.errors import SKIP, ErrorHandler, ErrorSettings, Stage
from connect.kafka import KafkaClients
from connect.metrics import TaskMetrics
from connect.offsets import OffsetStore
from connect.plugins import PluginRegistry
from connect.service import Service
from connect.status import TaskId

R = TypeVar("R", bound=ConnectRecord)
_gc_frozen = False


def freeze_startup_objects() -> None:
    """Exclude what exists once the first task started from cyclic GC, once per process.

    Modules, config and clients live as long as the worker; without this every full
    collection walks them all, a 50-100 ms pause of the loop (a p99 latency spike) each
    time in-flight records pile up enough survivors to trigger one.
    """
    global _gc_frozen
    if not _gc_frozen:
        _gc_frozen = True
        gc.freeze()


@dataclass
class RunnerContext:
    """What the worker hands a runner."""

    task_id: TaskId
    task: Task
    config: Mapping[str, Any]
    worker: WorkerConfig
    clients: KafkaClients
    registry: PluginRegistry
    offsets: OffsetStore | None = None
    metrics: TaskMetrics = field(default_factory=lambda: TaskMetrics("source"))
    plugin_metrics: PluginMetrics = field(default_factory=NoMetrics)


class TaskRunner(Service):
    """Runs one task: ``run()`` loops until ``stop()``; pause/resume gate the loop."""

    def __init__(self, ctx: RunnerContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.id = ctx.task_id
        self.common = common(ctx.config)
        defaults = ctx.worker.model_extra or {}
        self.key_converter: Converter = build_converter(
            ctx.registry, ctx.config, defaults, is_key=True
        )
        self.value_converter: Converter = build_converter(
            ctx.registry, ctx.config, defaults, is_key=False
        )
        self.transforms = _build_chain(ctx)
        self.metrics = ctx.metrics
        for plugin in (self.key_converter, self.value_converter, *_chain_plugins(self.transforms)):
            if isinstance(plugin, Monitorable):
                plugin.with_plugin_metrics(ctx.plugin_metrics)
        self.errors = ErrorHandler(
            ErrorSettings.from_common(self.common),
            stopping=lambda: self.stopping,
            sleep=self.sleep,
        )
        self._running = asyncio.Event()
        self._running.set()
        self.flush_interval = ctx.worker.offset_flush_interval_ms / 1000

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    async def wait_running(self) -> None:
        """Return when not paused (or stopping)."""
        if self._running.is_set():
            return
        waiter = asyncio.ensure_future(self._running.wait())
        stopper = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
            stopper.cancel()

    async def run(self) -> None:
        """The task's main loop; returns after ``stop()``, raises on failure."""
        raise NotImplementedError

    async def transform(self, record: R) -> R | None:
        """The record through the transform chain; None if dropped or tolerated."""
        if self.transforms is None:
            return record
        try:
            result: R | None = self.transforms.apply(record)
            return result
        except Exception:
            pass
        # slow path only on failure: step by step, so retries, tolerance and the DLQ
        # name the transform that failed (transforms are pure; re-running is safe)
        current: R = record
        for step in self.transforms.steps:

            def apply(step: Any = step, rec: R = current) -> R | None:
                return step.transform.apply(rec) if step.applies_to(rec) else rec

            out = await self.errors.run(
                Stage.TRANSFORMATION, apply, record, executing=step.transform
            )
            if out is SKIP or out is None:
                return None
            current = out
        return current


class RunnerIds:
    """The ``connector_name`` and ``task_id`` of a task context, from its runner."""

    def __init__(self, runner: TaskRunner) -> None:
        self._ids = runner.id
        self._metrics = runner.ctx.plugin_metrics

    @property
    def connector_name(self) -> str:
        return self._ids.connector

    @property
    def task_id(self) -> int:
        return self._ids.task

    @property
    def metrics(self) -> PluginMetrics:
        return self._metrics


def _build_chain(ctx: RunnerContext) -> Any:
    if not ctx.config.get("transforms"):
        return None
    from connect.transforms.chain import TransformChain

    return TransformChain.from_config(ctx.config, ctx.registry)


def _chain_plugins(chain: Any) -> list[object]:
    """The transforms and predicates of a chain (for ``with_plugin_metrics``)."""
    if chain is None:
        return []
    found: list[object] = []
    for step in chain.steps:
        found.append(step.transform)
        predicate = getattr(step, "predicate", None)
        if predicate is not None:
            found.append(predicate)
    return found
