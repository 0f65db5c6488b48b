"""The config topic: connector configs, target states and task configs of a cluster.

Kafka Connect's keys, so the topic reads the same to people who know it:

    connector-<name>         {"properties": {...}}           null: deleted
    target-state-<name>      {"state": "STARTED|PAUSED|STOPPED"}
    task-<name>-<n>          {"properties": {...}}           staged until the commit
    commit-<name>            {"tasks": N}                    tasks 0..N-1 become current
    restart-connector-<name> {"include-tasks": b, "only-failed": b}   an event
    restart-task-<name>-<n>  {}                                        an event

The topic has exactly one partition, so every worker sees every write in the same
order. Each worker reads it from the beginning (last value per key wins, whether or
not compaction ran) and then follows it; ``ConfigState`` is the folded view.
Restart records are events: the ones found while loading history are ignored.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError

from connect.kafka import KafkaClients, translate
from connect.offsets.kafka import read_to_end
from connect.service import Service
from connect.status import TargetState, TaskId

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Restart:
    """A restart request read from the config topic."""

    connector: str
    task: int | None = None
    include_tasks: bool = False
    only_failed: bool = False


@dataclass
class ConnectorEntry:
    """What the config topic says about one connector."""

    config: dict[str, Any]
    version: int  # offset of the connector record that set ``config``
    target: TargetState = TargetState.STARTED
    task_configs: list[dict[str, Any]] = field(default_factory=list)


def _split_task_key(rest: str) -> tuple[str, int] | None:
    name, _, index = rest.rpartition("-")
    if not name or not index.isdigit():
        return None
    return name, int(index)


class ConfigState:
    """The folded config topic: apply records in order, read the current view."""

    def __init__(self) -> None:
        self.connectors: dict[str, ConnectorEntry] = {}
        self._targets: dict[str, TargetState] = {}
        self._staged: dict[str, dict[int, dict[str, Any]]] = {}
        self._task_counts: dict[str, list[dict[str, Any]]] = {}

    def apply(self, key: str, value: Mapping[str, Any] | None, offset: int) -> Restart | None:
        """Fold one record in; return the restart it asks for, if it is one."""
        if key.startswith("connector-"):
            name = key[len("connector-") :]
            if value is None:
                self.connectors.pop(name, None)
                self._targets.pop(name, None)
                self._staged.pop(name, None)
                self._task_counts.pop(name, None)
                return None
            entry = self.connectors.get(name)
            props = dict(value.get("properties") or {})
            if entry is None:
                entry = ConnectorEntry(props, offset, self._targets.get(name, TargetState.STARTED))
                entry.task_configs = self._task_counts.get(name, [])
                self.connectors[name] = entry
            else:
                entry.config, entry.version = props, offset
        elif key.startswith("target-state-"):
            name = key[len("target-state-") :]
            state = (value or {}).get("state.v2") or (value or {}).get("state") or "STARTED"
            target = TargetState(str(state)) if value is not None else TargetState.STARTED
            self._targets[name] = target
            if name in self.connectors:
                self.connectors[name].target = target
        elif key.startswith("task-"):
            parts = _split_task_key(key[len("task-") :])
            if parts is not None and value is not None:
                name, index = parts
                self._staged.setdefault(name, {})[index] = dict(value.get("properties") or {})
        elif key.startswith("commit-"):
            name = key[len("commit-") :]
            count = int((value or {}).get("tasks", 0))
            staged = self._staged.get(name, {})
            previous = self._task_counts.get(name, [])
            configs = []
            for i in range(count):
                tc = staged.get(i, previous[i] if i < len(previous) else None)
                if tc is None:
                    log.warning("commit names a task with no config; ignored", key=key, task=i)
                    return None
                configs.append(tc)
            self._staged.pop(name, None)
            self._task_counts[name] = configs
            if name in self.connectors:
                self.connectors[name].task_configs = configs
        elif key.startswith("restart-connector-"):
            v = value or {}
            return Restart(
                key[len("restart-connector-") :],
                include_tasks=bool(v.get("include-tasks")),
                only_failed=bool(v.get("only-failed")),
            )
        elif key.startswith("restart-task-"):
            parts = _split_task_key(key[len("restart-task-") :])
            if parts is not None:
                return Restart(parts[0], task=parts[1])
        return None

    def task_ids(self, name: str) -> list[TaskId]:
        entry = self.connectors.get(name)
        return [] if entry is None else [TaskId(name, i) for i in range(len(entry.task_configs))]

    def task_config(self, tid: TaskId) -> dict[str, Any] | None:
        entry = self.connectors.get(tid.connector)
        if entry is None or tid.task >= len(entry.task_configs):
            return None
        return entry.task_configs[tid.task]

    def universe(self) -> tuple[list[str], list[TaskId]]:
        """Everything the leader must place: every connector, and their current tasks."""
        names = sorted(self.connectors)
        return names, [tid for name in names for tid in self.task_ids(name)]


def _encode(value: Mapping[str, Any] | None) -> bytes | None:
    return None if value is None else json.dumps(value, separators=(",", ":")).encode()


async def stop_consumer(consumer: AIOKafkaConsumer) -> None:
    """``consumer.stop()``, minus the CancelledError aiokafka's fetcher raises when it is
    closed while waiting to retry a broker that went away (not our cancellation)."""
    try:
        await consumer.stop()
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise
        log.warning("Kafka unreachable while closing a consumer")


class ConfigLog(Service):
    """Reads the config topic to its end on start, then follows it; writes records to it.

    ``on_change`` is called after each batch of records is applied, with the restart
    requests the batch held.
    """

    def __init__(
        self,
        clients: KafkaClients,
        topic: str,
        *,
        replication_factor: int = 3,
        on_change: Callable[[list[Restart]], None] | None = None,
    ) -> None:
        super().__init__()
        self.clients = clients
        self.topic = topic
        self.replication_factor = replication_factor
        self.state = ConfigState()
        self.on_change = on_change
        self.position = 0  # the offset after the last record applied
        self._tp = TopicPartition(topic, 0)
        self._producer: AIOKafkaProducer | None = None
        self._consumer: AIOKafkaConsumer | None = None
        self._follow: asyncio.Task[None] | None = None
        self._advanced = asyncio.Condition()
        self._write_lock = asyncio.Lock()

    async def on_start(self) -> None:
        await self.clients.ensure_topic(
            self.topic,
            partitions=1,
            replication_factor=self.replication_factor,
            configs={"cleanup.policy": "compact"},
        )
        await self._check_one_partition()
        self._consumer = self.clients.consumer(enable_auto_commit=False, group_id=None)
        try:
            await self._consumer.start()
            history = await read_to_end(self._consumer, [self._tp])
        except KafkaError as exc:
            raise translate(exc, f"cannot read config topic {self.topic}") from exc
        for msg in history:
            self._apply(msg)
        self.position = await self._consumer.position(self._tp)
        log.info("configs loaded", topic=self.topic, connectors=len(self.state.connectors))
        self._producer = self.clients.producer(acks="all", linger_ms=0)
        await self._producer.start()
        self._follow = asyncio.create_task(self._follow_loop(), name="config-log")

    async def _check_one_partition(self) -> None:
        admin = self.clients.admin()
        await admin.start()
        try:
            described = await admin.describe_topics([self.topic])
        finally:
            await admin.close()
        count = len(described[0].get("partitions", [])) if described else 0
        if count != 1:
            raise RuntimeError(
                f"config.storage.topic {self.topic} must have exactly 1 partition, has {count}"
            )

    async def on_stop(self) -> None:
        if self._follow is not None:
            self._follow.cancel()
            await asyncio.gather(self._follow, return_exceptions=True)
        if self._consumer is not None:
            await stop_consumer(self._consumer)
        if self._producer is not None:
            await self._producer.stop()

    def _apply(self, msg: Any) -> Restart | None:
        if msg.key is None:
            return None
        try:
            value = None if msg.value is None else json.loads(msg.value)
        except ValueError:
            log.warning("unreadable config record skipped", offset=msg.offset)
            return None
        return self.state.apply(msg.key.decode(), value, msg.offset)

    async def _follow_loop(self) -> None:
        assert self._consumer is not None
        while not self.stopping:
            try:
                batch = await self._consumer.getmany(self._tp, timeout_ms=500)
            except KafkaError as exc:
                log.warning("config topic read failed; retrying", error=str(exc))
                await self.sleep(0.5)
                continue
            msgs = batch.get(self._tp, [])
            if not msgs:
                continue
            restarts = [r for r in (self._apply(m) for m in msgs) if r is not None]
            async with self._advanced:
                self.position = msgs[-1].offset + 1
                self._advanced.notify_all()
            if self.on_change is not None:
                self.on_change(restarts)

    async def wait_for(self, offset: int, timeout: float = 30.0) -> None:
        """Return once the records before ``offset`` are applied."""
        async with self._advanced:
            await asyncio.wait_for(
                self._advanced.wait_for(lambda: self.position >= offset), timeout
            )

    async def catch_up(self, timeout: float = 1.0) -> bool:
        """Apply every record written before this call (at most ``timeout`` seconds);
        whether that happened."""
        assert self._consumer is not None, "config log not started"
        try:
            ends = await asyncio.wait_for(self._consumer.end_offsets([self._tp]), timeout)
            await self.wait_for(ends[self._tp], timeout)
        except (TimeoutError, KafkaError):
            return False
        return True

    async def write(
        self, records: list[tuple[str, Mapping[str, Any] | None]], *, wait: bool = True
    ) -> int:
        """Append ``records`` in order; return the offset after the last one.

        With ``wait`` the records are applied to ``state`` when this returns.
        """
        assert self._producer is not None, "config log not started"
        async with self._write_lock:
            try:
                futures = [
                    await self._producer.send(self.topic, key=k.encode(), value=_encode(v))
                    for k, v in records
                ]
                metas = await asyncio.gather(*futures)
            except KafkaError as exc:
                raise translate(exc, f"cannot write config topic {self.topic}") from exc
        end = int(metas[-1].offset) + 1 if metas else self.position
        if wait:
            await self.wait_for(end)
        return end
