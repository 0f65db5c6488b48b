"""Task base classes: the units of work the runtime runs as asyncio tasks."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from connect.api.context import SinkTaskContext, SourceTaskContext
from connect.api.records import (
    PassthroughBatch,
    RawRecordBatch,
    SinkRecord,
    SourceRecord,
    TopicPartition,
)


class Task(ABC):
    """Common task surface. ``start`` gets the task config from ``Connector.task_configs``."""

    version: ClassVar[str] = "0.0.0"

    @abstractmethod
    async def start(self, config: Mapping[str, Any]) -> None:
        """Open resources; raise ``ConnectError`` to fail the task."""

    @abstractmethod
    async def stop(self) -> None:
        """Close resources. Called once, also after a failure."""


class SourceTask(Task):
    """Reads an external system and returns records for Kafka.

    The runtime calls ``poll()`` in a loop. ``poll`` must not block the event loop
    (use ``asyncio.to_thread`` for blocking I/O) and returns ``[]`` when nothing is
    ready. Positions are rebuilt from ``context.offset(source_partition)`` in ``start``:
    it holds the ``source_offset`` of the last record Kafka acknowledged.
    """

    context: SourceTaskContext

    def initialize(self, context: SourceTaskContext) -> None:
        """Called by the runtime before ``start``."""
        self.context = context

    @abstractmethod
    async def poll(self) -> Sequence[SourceRecord | RawRecordBatch | PassthroughBatch]:
        """The next records, or ``[]`` when idle.

        The list may mix ``SourceRecord``s and ``RawRecordBatch``es (records already in
        bytes for one topic partition, the cheapest way to hand over many of them), and
        ``PassthroughBatch``es (a Kafka record batch written to the target unchanged).
        """

    async def commit(self) -> None:
        """Called after offsets were stored; e.g. to acknowledge upstream."""


class SinkTask(Task):
    """Writes Kafka records to an external system.

    Lifecycle: ``start`` → ``open(partitions)`` → ``put(records)``… →
    ``pre_commit(offsets)`` → ``close(partitions)`` → ``stop``. The runtime commits to
    Kafka only the offsets ``pre_commit`` returns, so a task that buffers returns the
    offsets up to what is durable. Offsets are *next* offsets (last written + 1).
    ``put`` may raise ``BackpressureError`` to have its partitions paused for a while.
    """

    context: SinkTaskContext

    def initialize(self, context: SinkTaskContext) -> None:
        """Called by the runtime before ``start``."""
        self.context = context

    async def open(self, partitions: list[TopicPartition]) -> None:
        """Partitions were assigned to this task."""

    @abstractmethod
    async def put(self, records: list[SinkRecord]) -> None:
        """Deliver or buffer ``records``."""

    async def flush(self, offsets: Mapping[TopicPartition, int]) -> None:
        """Make everything up to ``offsets`` durable (used by the default ``pre_commit``)."""

    async def pre_commit(self, offsets: Mapping[TopicPartition, int]) -> dict[TopicPartition, int]:
        """Offsets safe to commit; default: ``flush`` then all of ``offsets``."""
        await self.flush(offsets)
        return dict(offsets)

    async def close(self, partitions: list[TopicPartition]) -> None:
        """Partitions were revoked; drop their state (after a final ``pre_commit``)."""
