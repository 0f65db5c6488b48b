"""The status topic: what each connector and task actually is, seen from every worker.

    status-connector-<name>    {"state", "trace", "worker_id", "generation"}
    status-task-<name>-<n>     same; null deletes (the connector was removed)

Every worker publishes the states of what it runs and follows the whole topic. Two
workers may publish for the same task around a rebalance; the record with the higher
group ``generation`` wins, and within one generation the later record.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError

from connect.herder.configlog import stop_consumer
from connect.kafka import KafkaClients, translate
from connect.offsets.kafka import read_to_end, topic_partitions
from connect.service import Service
from connect.status import State, Status, TaskId

log = structlog.get_logger(__name__)

StatusKey = str | TaskId


def status_key(key: StatusKey) -> str:
    """The record key of a connector (``str``) or a task."""
    if isinstance(key, TaskId):
        return f"status-task-{key.connector}-{key.task}"
    return f"status-connector-{key}"


def parse_status_key(raw: str) -> StatusKey | None:
    if raw.startswith("status-connector-"):
        return raw[len("status-connector-") :]
    if raw.startswith("status-task-"):
        name, _, index = raw[len("status-task-") :].rpartition("-")
        if name and index.isdigit():
            return TaskId(name, int(index))
    return None


def encode_status(status: Status) -> bytes:
    return json.dumps(
        {
            "state": status.state.value,
            "trace": status.trace,
            "worker_id": status.worker_id,
            "generation": status.generation,
            **({"message": status.message} if status.message else {}),
        },
        separators=(",", ":"),
    ).encode()


def decode_status(value: bytes) -> Status | None:
    try:
        data = json.loads(value)
        return Status(
            State(data["state"]),
            str(data.get("worker_id") or ""),
            data.get("trace"),
            int(data.get("generation") or 0),
            message=data.get("message"),
        )
    except (ValueError, KeyError, TypeError):
        return None


class StatusView:
    """Statuses folded from the topic; a newer generation beats an older one.

    ``live`` is the group's current generation as this worker knows it. A status
    from a generation above it comes from an earlier life of the group (generations
    restart when a group is re-created), so it never blocks a current one.
    """

    def __init__(self, live: Callable[[], int] = lambda: -1) -> None:
        self.statuses: dict[StatusKey, Status] = {}
        self.live = live

    def apply(self, key: StatusKey, status: Status | None) -> None:
        if status is None:
            self.statuses.pop(key, None)
            return
        current = self.statuses.get(key)
        if current is not None and status.generation < current.generation <= self.live():
            return  # a late record from a worker that no longer owns this
        self.statuses[key] = status

    def get(self, key: StatusKey) -> Status | None:
        return self.statuses.get(key)


class StatusLog(Service):
    """Publishes statuses in order (one sender) and follows every partition."""

    def __init__(
        self,
        clients: KafkaClients,
        topic: str,
        *,
        partitions: int = 5,
        replication_factor: int = 3,
        on_change: Callable[[], None] | None = None,
        live_generation: Callable[[], int] = lambda: -1,
    ) -> None:
        super().__init__()
        self.clients = clients
        self.topic = topic
        self.partitions = partitions
        self.replication_factor = replication_factor
        self.view = StatusView(live_generation)
        self.on_change = on_change
        self._queue: asyncio.Queue[tuple[str, bytes | None]] = asyncio.Queue()
        self._producer: AIOKafkaProducer | None = None
        self._consumer: AIOKafkaConsumer | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._idle = asyncio.Event()
        self._idle.set()

    async def on_start(self) -> None:
        await self.clients.ensure_topic(
            self.topic,
            partitions=self.partitions,
            replication_factor=self.replication_factor,
            configs={"cleanup.policy": "compact"},
        )
        self._consumer = self.clients.consumer(enable_auto_commit=False, group_id=None)
        try:
            await self._consumer.start()
            tps = await topic_partitions(self._consumer, self.topic)
            for msg in await read_to_end(self._consumer, tps):
                self._apply(msg)
        except KafkaError as exc:
            raise translate(exc, f"cannot read status topic {self.topic}") from exc
        self._producer = self.clients.producer(acks="all", linger_ms=2)
        await self._producer.start()
        self._tasks = [
            asyncio.create_task(self._follow_loop(), name="status-follow"),
            asyncio.create_task(self._send_loop(), name="status-send"),
        ]

    async def on_stop(self) -> None:
        try:
            await asyncio.wait_for(self.flush(), timeout=5)
        except TimeoutError:
            log.warning("status updates not all published before stop")
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._consumer is not None:
            await stop_consumer(self._consumer)
        if self._producer is not None:
            await self._producer.stop()

    def _apply(self, msg: Any) -> None:
        if msg.key is None:
            return
        key = parse_status_key(msg.key.decode())
        if key is None:
            return
        self.view.apply(key, None if msg.value is None else decode_status(msg.value))

    async def _follow_loop(self) -> None:
        assert self._consumer is not None
        while not self.stopping:  # as well as the cancel, which aiokafka may swallow
            try:
                batch = await self._consumer.getmany(timeout_ms=500)
            except KafkaError as exc:
                log.warning("status topic read failed; retrying", error=str(exc))
                await asyncio.sleep(0.5)
                continue
            for msgs in batch.values():
                for msg in msgs:
                    self._apply(msg)
            if batch and self.on_change is not None:
                self.on_change()

    async def _send_loop(self) -> None:
        assert self._producer is not None
        while True:
            key, value = await self._queue.get()
            try:
                fut = await self._producer.send(self.topic, key=key.encode(), value=value)
                await fut
            except KafkaError as exc:
                log.warning("status not published", key=key, error=str(exc))
            finally:
                self._queue.task_done()
                if self._queue.empty():
                    self._idle.set()

    def publish(self, key: StatusKey, status: Status | None) -> None:
        """Queue a status (``None``: delete it); published in the order queued."""
        self._idle.clear()
        value = None if status is None else encode_status(status)
        self._queue.put_nowait((status_key(key), value))

    async def flush(self) -> None:
        """Return once everything queued so far is acknowledged."""
        await self._idle.wait()
