"""The Worker: hosts connectors and tasks, restarts failed tasks, reports status.

A task runs as an asyncio task under a supervisor: when it raises, its status goes
FAILED with the trace, and it is restarted after an exponential backoff
(``task.restart.backoff.*``) while the other tasks keep running. Stopping signals
the runner, waits up to ``task.shutdown.graceful.timeout.ms``, then cancels.
"""

from __future__ import annotations

import asyncio
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import structlog
from tenacity import wait_exponential

from connect.api import Connector, Monitorable, SinkConnector, SourceConnector, SourceTask
from connect.api.kafka import ClusterWatch, is_watch_note
from connect.config import WorkerConfig, resolve_all
from connect.kafka import KafkaClients
from connect.metrics import WorkerMetrics
from connect.metrics.task import TaskKind
from connect.offsets import FileOffsetStore, KafkaOffsetStore, OffsetStore
from connect.plugins import PluginRegistry
from connect.runners import RunnerContext, SinkRunner, SourceRunner, TaskRunner
from connect.service import Service
from connect.status import State, Status, TaskId

log = structlog.get_logger(__name__)

StatusListener = Callable[[str | TaskId, Status], None]


class _Supervised:
    def __init__(self, tid: TaskId) -> None:
        self.tid = tid
        self.runner: TaskRunner | None = None
        self.task: asyncio.Task[None] | None = None
        self.stop_requested = asyncio.Event()
        self.paused = False
        # error counters live across restarts of the task, not per runner
        self.counters: dict[str, int] | None = None


class Worker(Service):
    """Runs connectors and tasks in this process."""

    def __init__(
        self,
        config: WorkerConfig,
        registry: PluginRegistry,
        *,
        worker_id: str | None = None,
    ) -> None:
        super().__init__()
        self.config = config
        self.registry = registry
        self.worker_id = worker_id or f"{config.client_id}-{uuid.uuid4().hex[:8]}"
        self.clients = KafkaClients.from_worker(config)
        self.connectors: dict[str, Connector] = {}
        self.tasks: dict[TaskId, _Supervised] = {}
        self.statuses: dict[str | TaskId, Status] = {}
        self.listeners: list[StatusListener] = []
        self._stores: dict[str, OffsetStore] = {}
        self._stores_lock = asyncio.Lock()
        self.kafka_cluster_id: str | None = None
        self.metrics = WorkerMetrics(enabled=config.metrics_enabled)
        self.watchdog = ClusterWatch(self.clients.admin, self.clients.bootstrap, self._cluster_note)

    # ------------------------------------------------------------ status

    def running_connectors(self) -> list[str]:
        """Connectors started on this worker."""
        return sorted(self.connectors)

    def running_tasks(self) -> list[TaskId]:
        """Tasks this worker supervises (running, paused, failed or restarting)."""
        return sorted(self.tasks)

    def set_status(self, key: str | TaskId, state: State, trace: str | None = None) -> None:
        status = Status(state, self.worker_id, trace)
        self.statuses[key] = status
        # the ids by name on every line, also when a herder (not the task) changes it
        ids = {"connector": key.connector, "task": key.task} if isinstance(key, TaskId) else {}
        log.info(
            "status",
            id=str(key),
            **(ids or {"connector": key}),
            state=state.value,
            **({"error": trace.splitlines()[-1]} if trace else {}),
        )
        for listener in self.listeners:
            listener(key, status)

    def report(self, tid: TaskId, message: str | None) -> None:
        """A running task's note about itself (``SourceTaskContext.report``) in its status."""
        current = self.statuses.get(tid)
        if current is None or current.message == message:
            return
        status = Status(current.state, self.worker_id, current.trace, message=message)
        self.statuses[tid] = status
        log.info("task reports", id=str(tid), message=message)
        for listener in self.listeners:
            listener(tid, status)

    def task_counters(self, tid: TaskId) -> dict[str, int]:
        sup = self.tasks.get(tid)
        if sup is None or sup.counters is None:
            return {}
        return dict(sup.counters)

    # ------------------------------------------------------------ offsets

    async def offset_store(self, clients: KafkaClients | None = None) -> OffsetStore:
        """The offset store for a cluster (default: the worker's, or the file store)."""
        clients = clients or self.clients
        key = clients.bootstrap if clients is not self.clients else ""
        async with self._stores_lock:  # tasks sharing a cluster share one store
            if key not in self._stores:
                self._stores[key] = await self._open_store(key, clients)
        return self._stores[key]

    async def _open_store(self, key: str, clients: KafkaClients) -> OffsetStore:
        store: OffsetStore
        if not key and self.config.offset_storage_file_filename:
            store = FileOffsetStore(self.config.offset_storage_file_filename)
        else:
            store = KafkaOffsetStore(
                clients,
                self.config.offset_storage_topic,
                partitions=self.config.offset_storage_partitions,
                replication_factor=self.config.offset_storage_replication_factor,
            )
        await store.start()
        return store

    async def on_start(self) -> None:
        self.metrics.start()
        if self.config.bootstrap_servers:
            self.kafka_cluster_id = await self._cluster_id()
        if self.config.bootstrap_servers or self.config.offset_storage_file_filename:
            await self.offset_store()
        if self.config.bootstrap_servers:
            self.watchdog.start()

    def _cluster_note(self, note: str | None) -> None:
        """The watchdog's news about the worker's cluster, in every task's status message
        (a task's own note stays unless the cluster is down)."""
        for tid in list(self.tasks):
            current = self.statuses.get(tid)
            if current is None:
                continue
            if note is not None and (current.message is None or is_watch_note(current.message)):
                self.report(tid, note)
            elif note is None and is_watch_note(current.message):
                self.report(tid, None)

    async def _cluster_id(self) -> str | None:
        admin = self.clients.admin()
        try:
            await admin.start()
            meta = await admin.describe_cluster()
            return str(meta.get("cluster_id")) if meta.get("cluster_id") else None
        except Exception as exc:  # informational only: never stop the worker for it
            log.warning("cannot read the Kafka cluster id", error=str(exc))
            return None
        finally:
            await admin.close()

    async def refresh_offsets(self) -> None:
        """Re-read shared offset stores (a task moving here resumes where it was)."""
        for store in self._stores.values():
            if isinstance(store, KafkaOffsetStore):
                await store.refresh()

    async def on_stop(self) -> None:
        await self.watchdog.stop()
        await asyncio.gather(*(self.stop_task(tid) for tid in list(self.tasks)))
        for name in list(self.connectors):
            await self.stop_connector(name)
        for store in self._stores.values():
            await store.stop()
        await self.metrics.stop()

    # ------------------------------------------------------------ connectors

    async def start_connector(self, name: str, config: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Start connector ``name``; return its task configs (connector config merged in)."""
        resolved = resolve_all(config)
        cls = self.registry.connector(str(resolved["connector.class"]))
        normalized = cls.normalize(resolved)
        cls.validate(normalized)
        connector = cls()
        if isinstance(connector, Monitorable):
            connector.with_plugin_metrics(self.metrics.scope(name))
        try:
            await connector.start(normalized)
            max_tasks = int(normalized.get("tasks.max", 1))
            task_configs = connector.task_configs(max_tasks)[:max_tasks]
            if isinstance(connector, SourceConnector):
                overrides = {
                    f"producer.override.{k}": v for k, v in connector.producer_overrides().items()
                }
                task_configs = [{**overrides, **tc} for tc in task_configs]
        except Exception:
            self.set_status(name, State.FAILED, traceback.format_exc())
            await connector.stop()
            self.metrics.close_scope(name)
            raise
        self.connectors[name] = connector
        self.set_status(name, State.RUNNING)
        return [{**normalized, **tc} for tc in task_configs]

    async def stop_connector(self, name: str) -> None:
        connector = self.connectors.pop(name, None)
        if connector is not None:
            try:
                await connector.stop()
            except Exception:
                log.exception("connector stop failed", connector=name)
            finally:
                self.metrics.close_scope(name)

    def connector_type(self, config: Mapping[str, Any]) -> str:
        try:
            cls = self.registry.connector(str(resolve_all(config)["connector.class"]))
        except Exception:
            return "unknown"
        return (
            "source"
            if issubclass(cls, SourceConnector)
            else "sink"
            if issubclass(cls, SinkConnector)
            else "unknown"
        )

    # ------------------------------------------------------------ tasks

    async def start_task(
        self, tid: TaskId, config: Mapping[str, Any], *, paused: bool = False
    ) -> None:
        """Run task ``tid`` with ``config`` (connector config merged with its task config)."""
        if tid in self.tasks:
            raise RuntimeError(f"task {tid} already runs")
        sup = _Supervised(tid)
        sup.paused = paused
        self.tasks[tid] = sup
        sup.task = asyncio.create_task(self._supervise(sup, dict(config)), name=f"task-{tid}")

    async def stop_task(self, tid: TaskId) -> None:
        """Stop gracefully within the shutdown timeout, then cancel."""
        sup = self.tasks.pop(tid, None)
        if sup is None or sup.task is None:
            return
        sup.stop_requested.set()
        if sup.runner is not None:
            await sup.runner.stop()
        timeout = self.config.task_shutdown_graceful_timeout_ms / 1000
        done, _ = await asyncio.wait({sup.task}, timeout=timeout)
        if not done:
            log.warning(
                "task did not stop in time; cancelling",
                connector=tid.connector,
                task=tid.task,
                timeout_s=timeout,
            )
            sup.task.cancel()
            await asyncio.gather(sup.task, return_exceptions=True)

    def pause_task(self, tid: TaskId) -> None:
        sup = self.tasks.get(tid)
        if sup is not None:
            sup.paused = True
            if sup.runner is not None:
                sup.runner.pause()
            self.set_status(tid, State.PAUSED)

    def resume_task(self, tid: TaskId) -> None:
        sup = self.tasks.get(tid)
        if sup is not None:
            sup.paused = False
            if sup.runner is not None:
                sup.runner.resume()
            self.set_status(tid, State.RUNNING)

    async def _make_runner(self, tid: TaskId, config: dict[str, Any]) -> TaskRunner:
        resolved = resolve_all(config)
        cls = self.registry.connector(str(resolved["connector.class"]))
        connector = cls()
        task = connector.task_class()()
        clients = self.clients
        store: OffsetStore | None = None
        if isinstance(task, SourceTask):
            overrides = _prefixed(resolved, "producer.override.")
            clients = self.clients.with_overrides(producer=overrides)
            store = await self.offset_store(clients if "bootstrap.servers" in overrides else None)
        else:
            overrides = _prefixed(resolved, "consumer.override.")
            clients = self.clients.with_overrides(consumer=overrides)
        kind: TaskKind = "source" if isinstance(task, SourceTask) else "sink"
        ctx = RunnerContext(
            tid,
            task,
            resolved,
            self.config,
            clients,
            self.registry,
            store,
            metrics=self.metrics.task(tid, kind),
            plugin_metrics=self.metrics.scope(tid.connector, tid.task),
        )
        return SourceRunner(ctx) if isinstance(task, SourceTask) else SinkRunner(ctx)

    async def _supervise(self, sup: _Supervised, config: dict[str, Any]) -> None:
        tid = sup.tid
        bound = structlog.contextvars.bound_contextvars(connector=tid.connector, task=tid.task)
        wait = wait_exponential(
            multiplier=self.config.task_restart_backoff_initial_ms / 1000,
            max=self.config.task_restart_backoff_max_ms / 1000,
        )
        attempt = 0
        with bound:
            while not sup.stop_requested.is_set():
                started = time.monotonic()
                try:
                    sup.runner = await self._make_runner(tid, config)
                    if isinstance(sup.runner, SourceRunner):
                        sup.runner.on_report = partial(self.report, tid)
                    if sup.counters is None:  # kept by the metrics across REST restarts too
                        sup.counters = sup.runner.metrics.errors or sup.runner.errors.counters
                    sup.runner.errors.counters = sup.runner.metrics.errors = sup.counters
                    if sup.paused:
                        sup.runner.pause()
                    self.set_status(tid, State.PAUSED if sup.paused else State.RUNNING)
                    await sup.runner.run()
                    if sup.stop_requested.is_set():
                        break
                    raise RuntimeError("task loop ended without being stopped")
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    self.metrics.close_scope(tid.connector, tid.task)
                    if sup.stop_requested.is_set() and sup.runner and sup.runner.stopping:
                        log.warning("task failed while stopping", error=str(exc))
                        break
                    clients = sup.runner.ctx.clients if sup.runner else self.clients
                    reason = await clients.explain(exc, clients.bootstrap)
                    trace = "".join(traceback.format_exception(reason))
                    self.set_status(tid, State.FAILED, trace)
                    log.error("task failed", error=f"{type(reason).__name__}: {reason}")
                    if time.monotonic() - started > self.config.task_restart_backoff_max_ms / 1000:
                        attempt = 0
                    attempt += 1
                    delay = float(wait(_Attempt(attempt)))  # type: ignore[arg-type]
                    log.info(
                        "task restarts after backoff", delay_s=round(delay, 3), attempt=attempt
                    )
                    try:
                        await asyncio.wait_for(sup.stop_requested.wait(), timeout=delay)
                    except TimeoutError:
                        continue
            self.metrics.close_scope(tid.connector, tid.task)  # its plugin metrics go
            self.set_status(tid, State.UNASSIGNED)


class _Attempt:
    def __init__(self, n: int) -> None:
        self.attempt_number = n


def _prefixed(config: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    return {k[len(prefix) :]: v for k, v in config.items() if k.startswith(prefix)}
