"""The cluster herder: workers sharing connectors and tasks through Kafka.

    config topic ──► ConfigLog (every worker follows it) ──┐
    group (JoinGroup/SyncGroup) ──► Assignment ────────────┼──► reconcile ──► Worker
    Worker status listener ──► StatusLog ──► status topic ─┘      (start/stop only
                                                                    what changed)

Every write of the API goes to the config topic, from whichever worker was asked,
and is answered once this worker has read it back; each worker then acts on what it
was assigned. Whoever runs a connector computes its task configs and writes them
(``task-*`` then ``commit-*``); the leader rebalances when the set of connectors or
tasks changes. One reconcile loop applies the latest assignment and configs, so
concurrent events never race each other.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
import traceback
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import structlog

from connect.config import WorkerConfig, common, resolve_all
from connect.herder.base import (
    BadRequest,
    Conflict,
    ConnectorInfo,
    ConnectorType,
    Herder,
    NotFound,
)
from connect.herder.configlog import ConfigLog, ConnectorEntry, Restart
from connect.herder.group import Assignment, ConnectAssignor, GroupMember, MemberMeta
from connect.herder.offsets import (
    alter_sink_offsets,
    get_sink_offsets,
    source_offsets_json,
    source_offsets_to_write,
)
from connect.herder.statuslog import StatusKey, StatusLog
from connect.herder.validate import check_for_create, config_infos
from connect.offsets import KafkaOffsetStore
from connect.plugins import PluginRegistry
from connect.status import State, Status, TargetState, TaskId
from connect.worker import Worker

log = structlog.get_logger(__name__)


@dataclass
class _RunningConnector:
    version: int
    target: TargetState


@dataclass
class _RunningTask:
    config: dict[str, Any]
    paused: bool


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def unresolve(task_config: Mapping[str, Any], raw: Mapping[str, Any]) -> dict[str, Any]:
    """Put ``${...}`` references back where a task config holds their resolved value,
    so secrets resolved by config providers never reach the config topic."""
    try:
        resolved = resolve_all(raw)
    except Exception:
        return dict(task_config)
    refs = {
        resolved[k]: v
        for k, v in raw.items()
        if isinstance(v, str) and "${" in v and isinstance(resolved.get(k), str) and resolved[k]
    }
    return {k: refs.get(v, v) if isinstance(v, str) else v for k, v in task_config.items()}


class ClusterHerder(Herder):
    """One worker of a distributed cluster (``group.id``); any worker serves any request."""

    def __init__(
        self,
        config: WorkerConfig,
        registry: PluginRegistry,
        *,
        worker_id: str | None = None,
        url: str | None = None,
    ) -> None:
        if not config.group_id:
            raise BadRequest("distributed mode needs group.id in the worker config")
        if not config.bootstrap_servers:
            raise BadRequest("distributed mode needs bootstrap.servers in the worker config")
        self.config = config
        self.registry = registry
        self.worker = Worker(config, registry, worker_id=worker_id)
        self.worker_id = self.worker.worker_id
        self.url = url
        self.kafka_cluster_id: str | None = None
        self._topics_reset: dict[str, ConnectorEntry] = {}
        clients = self.worker.clients
        self.configlog = ConfigLog(
            clients,
            config.config_storage_topic,
            replication_factor=config.config_storage_replication_factor,
            on_change=self._on_config,
        )
        self.statuslog = StatusLog(
            clients,
            config.status_storage_topic,
            partitions=config.status_storage_partitions,
            replication_factor=config.status_storage_replication_factor,
            live_generation=lambda: self.assignment.generation if self.assignment else -1,
        )
        self.assignor = ConnectAssignor(
            self._member_meta,
            self._universe,
            self._on_assignment,
            delay=config.scheduled_rebalance_max_delay_ms / 1000,
            generation=lambda: self.member.generation,
        )
        self.member = GroupMember(
            clients,
            config.group_id,
            config.config_storage_topic,
            self.assignor,
            session_timeout_ms=config.session_timeout_ms,
            heartbeat_interval_ms=config.heartbeat_interval_ms,
            rebalance_timeout_ms=config.rebalance_timeout_ms,
        )
        self.assignment: Assignment | None = None
        self.rebalances = 0
        self._conns: dict[str, _RunningConnector] = {}
        self._tasks: dict[TaskId, _RunningTask] = {}
        self._restarts: list[Restart] = []
        self._wake = asyncio.Event()
        self._assigned = asyncio.Event()
        self._lock = asyncio.Lock()
        self._leaving = False
        self._running = False
        self._reconciler: asyncio.Task[None] | None = None
        self._deferred_timers: list[asyncio.TimerHandle] = []
        self._revoke_handled: Assignment | None = None

    def set_identity(self, worker_id: str, url: str | None) -> None:
        """Name this worker (e.g. its advertised REST address); only before ``start``."""
        if self._running:
            raise RuntimeError("identity is fixed once started")
        self.worker_id = self.worker.worker_id = worker_id
        self.url = url

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        self.worker.listeners.append(self._on_status)
        await self.worker.start()
        await self.statuslog.start()
        await self.configlog.start()
        await self._load_cluster_id()
        self._running = True
        self._reconciler = asyncio.create_task(self._reconcile_loop(), name="cluster-reconcile")
        await self.member.start()
        log.info("cluster worker started", worker_id=self.worker_id, group=self.config.group_id)

    async def _load_cluster_id(self) -> None:
        admin = self.worker.clients.admin()
        try:
            await admin.start()
            found = await admin.describe_cluster()
            cid = found.get("cluster_id")
            self.kafka_cluster_id = cid if isinstance(cid, str) else None
        except Exception as exc:
            log.debug("cluster id unknown", error=str(exc))
        finally:
            await admin.close()

    async def stop(self) -> None:
        """Stop what runs here, hand it over to the group, then leave (idempotent; also
        releases whatever a failed ``start`` had acquired)."""
        if self._leaving:
            return
        was_running, self._running = self._running, False
        self._leaving = True
        for timer in self._deferred_timers:
            timer.cancel()
        if self._reconciler is not None:
            async with self._lock:
                self._reconciler.cancel()
            await asyncio.gather(self._reconciler, return_exceptions=True)
        try:
            if was_running:
                async with self._lock:
                    ran_something = bool(self._conns or self._tasks)
                    await self._stop_everything()
                await self.statuslog.flush()
                if ran_something:
                    await self._hand_over()
        finally:
            await self.member.stop()
            await self.configlog.stop()
            await self.statuslog.stop()
            await self.worker.stop()
        log.info("cluster worker stopped", worker_id=self.worker_id)

    async def _hand_over(self) -> None:
        """One last round saying "leaving, running nothing": the leader places our
        items at once instead of holding them as lost."""
        deadline = time.monotonic() + 2 * self.config.session_timeout_ms / 1000
        while time.monotonic() < deadline:
            self._assigned.clear()
            self.member.request_rejoin()  # lost if a join is under way: ask again
            wait = min(deadline - time.monotonic(), 4 * self.config.heartbeat_interval_ms / 1000)
            try:
                await asyncio.wait_for(self._assigned.wait(), max(wait, 0.05))
            except TimeoutError:
                continue
            if self.assignment is not None and self.assignment.leaving:
                return
        log.warning("leaving without a hand-over round")

    async def _stop_everything(self) -> None:
        await asyncio.gather(*(self.worker.stop_task(tid) for tid in list(self._tasks)))
        self._tasks.clear()
        for name in list(self._conns):
            await self.worker.stop_connector(name)
        self._conns.clear()

    # ------------------------------------------------------------ group callbacks (sync)

    def _member_meta(self) -> MemberMeta:
        self.worker.metrics.rebalance_started()  # asked for our metadata: a join began
        return MemberMeta(
            worker_id=self.worker_id,
            url=self.url,
            config_offset=self.configlog.position,
            connectors=[] if self._leaving else list(self._conns),
            tasks=[] if self._leaving else list(self._tasks),
            leaving=self._leaving,
            rejoin=self.member.rejoins,
        )

    def _universe(self) -> tuple[tuple[list[str], list[TaskId]], int]:
        return self.configlog.state.universe(), self.configlog.position

    def _on_assignment(self, assignment: Assignment) -> None:
        assignment.generation = self.member.generation
        self.assignment = assignment
        self.rebalances += 1
        self.worker.metrics.rebalance_completed()
        log.info(
            "assignment received",
            generation=assignment.generation,
            leader=assignment.leader,
            connectors=sorted(assignment.connectors),
            tasks=[str(t) for t in sorted(assignment.tasks)],
            revoked=[str(t) for t in sorted(assignment.revoked_tasks)]
            + sorted(assignment.revoked_connectors),
        )
        for timer in self._deferred_timers:
            timer.cancel()
        self._deferred_timers = []
        if not self._leaving:
            loop = asyncio.get_running_loop()
            for ms in sorted(
                {*assignment.deferred_connectors.values(), *assignment.deferred_tasks.values()}
            ):
                conns = {c for c, t in assignment.deferred_connectors.items() if t == ms}
                tasks = {k for k, t in assignment.deferred_tasks.items() if t == ms}
                self._deferred_timers.append(
                    loop.call_later(ms / 1000, self._start_deferred, assignment, conns, tasks)
                )
        self._assigned.set()
        self._wake.set()

    def _start_deferred(self, assignment: Assignment, conns: set[str], tasks: set[TaskId]) -> None:
        """A hold ended: run what the leader placed here, if its assignment still holds."""
        if self.assignment is not assignment or self._leaving:
            return
        log.info(
            "held work starts here", connectors=sorted(conns), tasks=[str(t) for t in sorted(tasks)]
        )
        assignment.connectors |= conns
        assignment.tasks |= tasks
        self._wake.set()

    def _on_config(self, restarts: list[Restart]) -> None:
        self._restarts.extend(restarts)
        self._wake.set()

    def _on_status(self, key: StatusKey, status: Status) -> None:
        generation = self.assignment.generation if self.assignment else 0
        state = status.state
        if isinstance(key, str) and state is State.RUNNING:
            entry = self.configlog.state.connectors.get(key)
            if entry is not None and entry.target is TargetState.PAUSED:
                state = State.PAUSED
        self.statuslog.publish(
            key, Status(state, status.worker_id, status.trace, generation, message=status.message)
        )

    def _publish(self, key: StatusKey, state: State, trace: str | None = None) -> None:
        self.worker.set_status(key, state, trace)

    # ------------------------------------------------------------ reconcile

    async def _reconcile_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            async with self._lock:
                try:
                    await self._reconcile()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("reconcile failed; retrying")
                    asyncio.get_running_loop().call_later(1.0, self._wake.set)

    async def _reconcile(self) -> None:
        a = self.assignment
        if a is None or self._leaving:
            return
        try:
            await self.configlog.wait_for(a.config_offset, timeout=10)
        except TimeoutError:
            log.warning("config topic behind the leader's; waiting", offset=a.config_offset)
            asyncio.get_running_loop().call_later(0.5, self._wake.set)
            return
        state = self.configlog.state
        restarts, self._restarts = self._restarts, []
        mine_c = {c for c in a.connectors if c in state.connectors}
        mine_t = {t for t in a.tasks if state.task_config(t) is not None}
        restart_c, restart_t = self._restart_sets(restarts)

        stopping = [
            tid
            for tid, rt in self._tasks.items()
            if tid not in mine_t or state.task_config(tid) != rt.config or tid in restart_t
        ]
        await asyncio.gather(*(self.worker.stop_task(tid) for tid in stopping))
        for tid in stopping:
            del self._tasks[tid]
            if tid.connector not in state.connectors or state.task_config(tid) is None:
                self.worker.statuses.pop(tid, None)
                self.statuslog.publish(tid, None)

        for name, rc in list(self._conns.items()):
            entry = state.connectors.get(name)
            if (
                entry is None
                or name not in mine_c
                or entry.version != rc.version
                or name in restart_c
                or (entry.target is TargetState.STOPPED) != (rc.target is TargetState.STOPPED)
            ):
                await self.worker.stop_connector(name)
                del self._conns[name]
                if entry is None:
                    self.worker.statuses.pop(name, None)
                    self.statuslog.publish(name, None)

        for name in sorted(mine_c - set(self._conns)):
            await self._start_connector(name, state.connectors[name])
        for name, rc in self._conns.items():
            target = state.connectors[name].target
            if target is not rc.target:
                rc.target = target
                current = self.worker.statuses.get(name)
                if current is not None and current.state in (State.RUNNING, State.PAUSED):
                    self._publish(name, State.RUNNING)  # shown PAUSED when the target is

        for tid in sorted(mine_t - set(self._tasks)):
            target = state.connectors[tid.connector].target
            config = state.task_config(tid)
            if target is TargetState.STOPPED or config is None:
                continue
            await self._start_task(tid, config, paused=target is TargetState.PAUSED)
        for tid, rt in self._tasks.items():
            paused = state.connectors[tid.connector].target is TargetState.PAUSED
            if paused != rt.paused:
                rt.paused = paused
                (self.worker.pause_task if paused else self.worker.resume_task)(tid)

        if a.revoked and self._revoke_handled is not a:
            self._revoke_handled = a
            await self.statuslog.flush()
            log.info("revoked items stopped; rejoining")
            self.member.request_rejoin()
        elif a.leader == self.worker_id and state.universe() != a.universe:
            log.info("connectors or tasks changed; rebalancing")
            self.member.request_rejoin()

    def _restart_sets(self, restarts: list[Restart]) -> tuple[set[str], set[TaskId]]:
        conns: set[str] = set()
        tasks: set[TaskId] = set()

        def failed(key: StatusKey) -> bool:
            st = self.worker.statuses.get(key)
            return st is not None and st.state is State.FAILED

        for r in restarts:
            if r.task is not None:
                tasks.add(TaskId(r.connector, r.task))
                continue
            if r.connector in self._conns and (not r.only_failed or failed(r.connector)):
                conns.add(r.connector)
            if r.include_tasks:
                tasks.update(
                    tid
                    for tid in self._tasks
                    if tid.connector == r.connector and (not r.only_failed or failed(tid))
                )
        return conns, tasks

    async def _start_connector(self, name: str, entry: ConnectorEntry) -> None:
        self._conns[name] = _RunningConnector(entry.version, entry.target)
        if entry.target is TargetState.STOPPED:
            self._publish(name, State.STOPPED)
            if entry.task_configs:
                await self.configlog.write([(f"commit-{name}", {"tasks": 0})], wait=False)
            return
        try:
            task_configs = await self.worker.start_connector(name, entry.config)
        except Exception as exc:
            current = self.worker.statuses.get(name)
            if current is None or current.state is not State.FAILED:
                self._publish(name, State.FAILED, "".join(traceback.format_exception(exc)))
            log.error("connector failed to start", connector=name, error=str(exc))
            return
        stored = _jsonable([unresolve(tc, entry.config) for tc in task_configs])
        if stored != entry.task_configs:
            records: list[tuple[str, Mapping[str, Any] | None]] = [
                (f"task-{name}-{i}", {"properties": tc}) for i, tc in enumerate(stored)
            ]
            records.append((f"commit-{name}", {"tasks": len(stored)}))
            await self.configlog.write(records, wait=False)
            log.info("task configs written", connector=name, tasks=len(stored))

    async def _start_task(self, tid: TaskId, config: dict[str, Any], *, paused: bool) -> None:
        entry = self.configlog.state.connectors[tid.connector]
        if self.worker.connector_type(entry.config) == "source":
            await self._refresh_offsets()
        await self.worker.start_task(tid, config, paused=paused)
        self._tasks[tid] = _RunningTask(config, paused)

    async def _refresh_offsets(self) -> None:
        """Re-read the offsets topics: another worker may have run this task until now.

        The worker's stores load once at start; in a cluster a task that moved here
        must resume from the offsets its previous owner wrote.
        """
        await self.worker.refresh_offsets()

    # ------------------------------------------------------------ helpers for callers

    async def _known(self, name: str) -> None:
        """A connector another worker just created is known here too: before answering
        404, read the config topic up to its current end (bounded)."""
        if name not in self.configlog.state.connectors:
            await self.configlog.catch_up(timeout=1.0)

    def _entry(self, name: str) -> ConnectorEntry:
        entry = self.configlog.state.connectors.get(name)
        if entry is None:
            raise NotFound(f"Connector {name} not found")
        return entry

    @property
    def ready(self) -> bool:
        """Started and given a first assignment (``GET /health``)."""
        return self._running and self.assignment is not None

    async def health_check(self) -> None:
        """Return once the reconcile lock is free: the herder can act on requests."""
        async with self._lock:
            pass

    def _check_running(self) -> None:
        if not self._running:
            raise Conflict("The worker is starting or stopping; try again")

    def status(self, name: str) -> dict[str, Any]:
        """Connector and task states as plain JSON (for tests and the CLI)."""
        conn, tasks, ctype = self._status(name)
        return {
            "name": name,
            "connector": conn.to_json(),
            "tasks": [{"id": i, **st.to_json()} for i, st in sorted(tasks.items())],
            "type": ctype,
        }

    def running_tasks(self) -> list[TaskId]:
        """Tasks this worker runs now."""
        return sorted(self._tasks)

    def running_task_configs(self) -> dict[TaskId, dict[str, Any]]:
        """The config each task running here was started with."""
        return {tid: dict(rt.config) for tid, rt in self._tasks.items()}

    def _owner(self, key: StatusKey) -> str:
        return (self.assignment.owners.get(key) if self.assignment else None) or ""

    def _shown(self, key: StatusKey) -> Status:
        """The stored status, unless its worker has left the group: then UNASSIGNED, as
        soon as the group knows (the dead worker can no longer say so itself)."""
        status = self.statuslog.view.get(key)
        members = self.assignment.urls if self.assignment is not None else None
        if status is None or (members is not None and status.worker_id not in members):
            status = Status(State.UNASSIGNED, self._owner(key))
        note = self.worker.watchdog.note
        if note and not status.message:
            # the status topic is on the unreachable cluster: say so from what this worker sees
            status = dataclasses.replace(status, message=note)
        return status

    def _status(self, name: str) -> tuple[Status, dict[int, Status], ConnectorType]:
        entry = self._entry(name)
        conn = self._shown(name)
        tasks = {tid.task: self._shown(tid) for tid in self.configlog.state.task_ids(name)}
        return conn, tasks, self._type(entry.config)

    def _type(self, config: Mapping[str, Any]) -> ConnectorType:
        kind = self.worker.connector_type(config)
        return "source" if kind == "source" else "sink" if kind == "sink" else "unknown"

    # ------------------------------------------------------------ Herder

    async def connectors(self) -> list[str]:
        return sorted(self.configlog.state.connectors)

    async def connector_info(self, name: str) -> ConnectorInfo:
        await self._known(name)
        entry = self._entry(name)
        return ConnectorInfo(
            name,
            self.masked(entry.config),
            self.configlog.state.task_ids(name),
            self._type(entry.config),
        )

    async def put_connector_config(
        self, name: str, config: Mapping[str, Any], *, allow_replace: bool
    ) -> tuple[bool, ConnectorInfo]:
        self._check_running()
        check_for_create(
            name, config, self.registry, strict=self.config.config_unknown_keys == "error"
        )
        exists = name in self.configlog.state.connectors
        if exists and not allow_replace:
            raise Conflict(f"Connector {name} already exists")
        await self.configlog.write([(f"connector-{name}", {"properties": dict(config)})])
        return not exists, await self.connector_info(name)

    async def delete_connector(self, name: str) -> None:
        self._check_running()
        await self._known(name)
        self._entry(name)
        await self.configlog.write([(f"connector-{name}", None), (f"target-state-{name}", None)])

    async def connector_status(self, name: str) -> tuple[Status, dict[int, Status], ConnectorType]:
        await self._known(name)
        return self._status(name)

    async def task_configs(self, name: str) -> dict[int, dict[str, Any]]:
        await self._known(name)
        entry = self._entry(name)
        return {i: self.masked(tc) for i, tc in enumerate(entry.task_configs)}

    async def restart_connector(
        self, name: str, *, include_tasks: bool = False, only_failed: bool = False
    ) -> None:
        self._check_running()
        await self._known(name)
        self._entry(name)
        value = {
            "include-tasks": include_tasks,
            "only-failed": only_failed,
            "request": uuid.uuid4().hex,
        }
        await self.configlog.write([(f"restart-connector-{name}", value)])

    async def restart_task(self, name: str, task: int) -> None:
        self._check_running()
        await self._known(name)
        entry = self._entry(name)
        if not 0 <= task < len(entry.task_configs):
            raise NotFound(f"Task {name}-{task} not found")
        await self.configlog.write([(f"restart-task-{name}-{task}", {"request": uuid.uuid4().hex})])

    async def set_target_state(self, name: str, state: str) -> None:
        self._check_running()
        target = TargetState(state)
        await self._known(name)
        self._entry(name)
        await self.configlog.write(
            [(f"target-state-{name}", {"state": target.value, "state.v2": target.value})]
        )

    async def connector_topics(self, name: str) -> list[str]:
        await self._known(name)
        entry = self._entry(name)
        if self._topics_reset.get(name) is entry:
            return []
        try:
            return sorted(common(resolve_all(entry.config)).topics or [])
        except Exception:
            return []

    async def reset_connector_topics(self, name: str) -> None:
        # this worker forgets the set until the connector's config changes
        await self._known(name)
        self._topics_reset[name] = self._entry(name)

    async def _fresh_store(self) -> KafkaOffsetStore:
        store = KafkaOffsetStore(
            self.worker.clients,
            self.config.offset_storage_topic,
            partitions=self.config.offset_storage_partitions,
            replication_factor=self.config.offset_storage_replication_factor,
        )
        await store.start()
        return store

    async def get_offsets(self, name: str) -> list[dict[str, Any]]:
        await self._known(name)
        entry = self._entry(name)
        if self._type(entry.config) == "source":
            store = await self._fresh_store()
            try:
                return source_offsets_json(store, name)
            finally:
                await store.stop()
        return await get_sink_offsets(self.worker.clients, name, resolve_all(entry.config))

    async def alter_offsets(self, name: str, offsets: list[dict[str, Any]] | None) -> None:
        self._check_running()
        await self._known(name)
        entry = self._entry(name)
        if entry.target is not TargetState.STOPPED:
            raise Conflict(
                f"Connector {name} must be in the STOPPED state to alter or reset its offsets"
            )
        if self._type(entry.config) == "source":
            store = await self._fresh_store()
            try:
                await store.write(name, source_offsets_to_write(store, name, offsets))
            finally:
                await store.stop()
        else:
            await alter_sink_offsets(self.worker.clients, name, resolve_all(entry.config), offsets)

    async def validate(self, plugin: str, config: Mapping[str, Any]) -> dict[str, Any]:
        strict = self.config.config_unknown_keys == "error"
        return config_infos(self.registry, plugin, config, strict=strict)
