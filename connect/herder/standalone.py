"""The standalone herder: connectors from task files, all run in this one process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import structlog

from connect.api import ConnectError
from connect.config import WorkerConfig, common, resolve_all
from connect.herder.base import (
    Conflict,
    ConnectorInfo,
    ConnectorType,
    Herder,
    NotFound,
)
from connect.herder.offsets import (
    alter_sink_offsets,
    get_sink_offsets,
    source_offsets_json,
    source_offsets_to_write,
)
from connect.herder.validate import check_for_create, config_infos
from connect.plugins import PluginRegistry
from connect.status import State, Status, TargetState, TaskId
from connect.worker import Worker

log = structlog.get_logger(__name__)


@dataclass
class _Connector:
    name: str
    config: dict[str, Any]
    target: TargetState = TargetState.STARTED
    task_configs: list[dict[str, Any]] = field(default_factory=list)
    type: ConnectorType = "unknown"
    topics: set[str] = field(default_factory=set)


class StandaloneHerder(Herder):
    """Keeps connectors in memory; one ``Worker`` runs them all."""

    def __init__(
        self, config: WorkerConfig, registry: PluginRegistry, *, worker_id: str | None = None
    ) -> None:
        self.config = config
        self.registry = registry
        self.worker = Worker(config, registry, worker_id=worker_id)
        self.worker_id = self.worker.worker_id
        self._connectors: dict[str, _Connector] = {}
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        await self.worker.start()

    @property
    def kafka_cluster_id(self) -> str | None:
        return self.worker.kafka_cluster_id

    async def stop(self) -> None:
        await self.worker.stop()

    async def health_check(self) -> None:
        """Return once no other change holds the herder (``GET /health``)."""
        async with self._lock:
            pass

    @classmethod
    @asynccontextmanager
    async def running(
        cls,
        worker_config: Mapping[str, Any] | WorkerConfig,
        tasks: Sequence[Mapping[str, Any]] = (),
        *,
        registry: PluginRegistry | None = None,
    ) -> AsyncIterator[StandaloneHerder]:
        """Start a herder with ``tasks`` (``{"name", "config"}`` dicts); stop it on exit."""
        config = (
            worker_config
            if isinstance(worker_config, WorkerConfig)
            else WorkerConfig.model_validate(dict(worker_config))
        )
        from connect.plugins import registry as default_registry

        herder = cls(config, registry or default_registry(config.plugin_path or None))
        await herder.start()
        try:
            for task in tasks:
                await herder.put_connector_config(task["name"], task["config"], allow_replace=False)
            yield herder
        finally:
            await herder.stop()

    # ------------------------------------------------------------ helpers for callers

    def status(self, name: str) -> dict[str, Any]:
        """Connector and task states as plain JSON (for tests and the CLI)."""
        conn = self._get(name)
        out: dict[str, Any] = {"name": name, "connector": self._connector_status(conn).to_json()}
        out["tasks"] = [
            {"id": task, **st.to_json()} for task, st in sorted(self._task_statuses(conn).items())
        ]
        return out

    def _get(self, name: str) -> _Connector:
        try:
            return self._connectors[name]
        except KeyError:
            raise NotFound(f"Connector {name} not found") from None

    def _tids(self, conn: _Connector) -> list[TaskId]:
        return [TaskId(conn.name, i) for i in range(len(conn.task_configs))]

    def _connector_status(self, conn: _Connector) -> Status:
        if conn.target is TargetState.STOPPED:
            return Status(State.STOPPED, self.worker_id)
        st = self.worker.statuses.get(conn.name, Status(State.UNASSIGNED, self.worker_id))
        if conn.target is TargetState.PAUSED and st.state is State.RUNNING:
            return Status(State.PAUSED, self.worker_id)
        return st

    def _task_statuses(self, conn: _Connector) -> dict[int, Status]:
        out = {}
        for tid in self._tids(conn):
            st = self.worker.statuses.get(tid, Status(State.UNASSIGNED, self.worker_id))
            st.counters = self.worker.task_counters(tid)
            out[tid.task] = st
        return out

    # ------------------------------------------------------------ lifecycle of one connector

    async def _start(self, conn: _Connector) -> None:
        if conn.target is TargetState.STOPPED:
            return
        try:
            conn.task_configs = await self.worker.start_connector(conn.name, conn.config)
        except ConnectError as exc:
            log.error("connector failed to start", connector=conn.name, error=str(exc))
            conn.task_configs = []
            return
        except Exception as exc:
            log.exception("connector failed to start", connector=conn.name, error=str(exc))
            conn.task_configs = []
            return
        paused = conn.target is TargetState.PAUSED
        for tid, tc in zip(self._tids(conn), conn.task_configs, strict=True):
            await self.worker.start_task(tid, tc, paused=paused)

    async def _stop(self, conn: _Connector) -> None:
        await asyncio.gather(*(self.worker.stop_task(tid) for tid in self._tids(conn)))
        await self.worker.stop_connector(conn.name)

    # ------------------------------------------------------------ Herder

    async def connectors(self) -> list[str]:
        return sorted(self._connectors)

    async def connector_info(self, name: str) -> ConnectorInfo:
        conn = self._get(name)
        return ConnectorInfo(name, self.masked(conn.config), self._tids(conn), conn.type)

    async def put_connector_config(
        self, name: str, config: Mapping[str, Any], *, allow_replace: bool
    ) -> tuple[bool, ConnectorInfo]:
        check_for_create(
            name, config, self.registry, strict=self.config.config_unknown_keys == "error"
        )
        async with self._lock:
            existing = self._connectors.get(name)
            if existing is not None and not allow_replace:
                raise Conflict(f"Connector {name} already exists")
            target = existing.target if existing else TargetState.STARTED
            if existing is not None:
                await self._stop(existing)
            conn = _Connector(name, dict(config), target, type=self.worker.connector_type(config))  # type: ignore[arg-type]
            conn.topics = set(common(resolve_all(config)).topics or [])
            self._connectors[name] = conn
            await self._start(conn)
        return existing is None, await self.connector_info(name)

    async def delete_connector(self, name: str) -> None:
        async with self._lock:
            conn = self._get(name)
            await self._stop(conn)
            del self._connectors[name]
            for key in [
                k
                for k in self.worker.statuses
                if (k if isinstance(k, str) else k.connector) == name
            ]:
                del self.worker.statuses[key]

    async def connector_status(self, name: str) -> tuple[Status, dict[int, Status], ConnectorType]:
        conn = self._get(name)
        return self._connector_status(conn), self._task_statuses(conn), conn.type

    async def task_configs(self, name: str) -> dict[int, dict[str, Any]]:
        conn = self._get(name)
        return {i: self.masked(tc) for i, tc in enumerate(conn.task_configs)}

    async def restart_connector(
        self, name: str, *, include_tasks: bool = False, only_failed: bool = False
    ) -> None:
        async with self._lock:
            conn = self._get(name)
            conn_failed = self._connector_status(conn).state is State.FAILED
            if not include_tasks:
                if only_failed and not conn_failed:
                    return
                await self.worker.stop_connector(name)
                await self._restart_connector_only(conn)
                return
            if not only_failed:
                await self._stop(conn)
                await self._start(conn)
                return
            for tid, st in self._task_statuses(conn).items():
                if st.state is State.FAILED:
                    await self._restart_task(conn, tid)

    async def _restart_connector_only(self, conn: _Connector) -> None:
        try:
            await self.worker.start_connector(conn.name, conn.config)
        except Exception as exc:
            log.error("connector failed to restart", connector=conn.name, error=str(exc))

    async def restart_task(self, name: str, task: int) -> None:
        async with self._lock:
            conn = self._get(name)
            if not 0 <= task < len(conn.task_configs):
                raise NotFound(f"Task {name}-{task} not found")
            await self._restart_task(conn, task)

    async def _restart_task(self, conn: _Connector, task: int) -> None:
        tid = TaskId(conn.name, task)
        await self.worker.stop_task(tid)
        await self.worker.start_task(
            tid, conn.task_configs[task], paused=conn.target is TargetState.PAUSED
        )

    async def set_target_state(self, name: str, state: str) -> None:
        target = TargetState(state)
        async with self._lock:
            conn = self._get(name)
            previous, conn.target = conn.target, target
            if target is TargetState.STOPPED:
                if previous is not TargetState.STOPPED:
                    await self._stop(conn)
                    for tid in self._tids(conn):
                        self.worker.statuses.pop(tid, None)
                    conn.task_configs = []
                return
            if previous is TargetState.STOPPED:
                await self._start(conn)
                return
            for tid in self._tids(conn):
                if target is TargetState.PAUSED:
                    self.worker.pause_task(tid)
                else:
                    self.worker.resume_task(tid)

    async def connector_topics(self, name: str) -> list[str]:
        conn = self._get(name)
        return sorted(conn.topics)

    async def reset_connector_topics(self, name: str) -> None:
        self._get(name).topics.clear()

    async def get_offsets(self, name: str) -> list[dict[str, Any]]:
        conn = self._get(name)
        if conn.type == "source":
            store = await self.worker.offset_store()
            return source_offsets_json(store, name)
        return await get_sink_offsets(self.worker.clients, name, resolve_all(conn.config))

    async def alter_offsets(self, name: str, offsets: list[dict[str, Any]] | None) -> None:
        conn = self._get(name)
        if conn.target is not TargetState.STOPPED:
            raise Conflict(
                f"Connector {name} must be in the STOPPED state to alter or reset its offsets"
            )
        if conn.type == "source":
            store = await self.worker.offset_store()
            await store.write(name, source_offsets_to_write(store, name, offsets))
        else:
            await alter_sink_offsets(self.worker.clients, name, resolve_all(conn.config), offsets)

    async def validate(self, plugin: str, config: Mapping[str, Any]) -> dict[str, Any]:
        strict = self.config.config_unknown_keys == "error"
        return config_infos(self.registry, plugin, config, strict=strict)
