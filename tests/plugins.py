"""Connector plugins used only by tests (loaded as ``tests.plugins:Class``)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, ClassVar

from connect.api import (
    BackpressureError,
    ConnectError,
    SinkConnector,
    SinkRecord,
    SinkTask,
    SourceConnector,
    SourceRecord,
    SourceTask,
    TopicPartition,
)


class AlwaysFailingTask(SourceTask):
    """Fails on every poll; records when each attempt started."""

    attempts: ClassVar[dict[str, list[float]]] = {}

    async def start(self, config: Mapping[str, Any]) -> None:
        self.attempts.setdefault(self.context.connector_name, []).append(time.monotonic())

    async def poll(self) -> list[SourceRecord]:
        raise ConnectError("boom: this task always fails")

    async def stop(self) -> None:
        return None


class AlwaysFailingSource(SourceConnector):
    def task_class(self) -> type[SourceTask]:
        return AlwaysFailingTask


class LaggingCommitTask(SinkTask):
    """Says only offsets ``lag`` behind are durable; remembers what it was given."""

    seen: ClassVar[dict[str, int]] = {}

    async def start(self, config: Mapping[str, Any]) -> None:
        self.lag = int(config.get("lag", 10))
        self.name = self.context.connector_name

    async def put(self, records: list[SinkRecord]) -> None:
        self.seen[self.name] = self.seen.get(self.name, 0) + len(records)

    async def pre_commit(self, offsets: Mapping[TopicPartition, int]) -> dict[TopicPartition, int]:
        return {tp: max(0, off - self.lag) for tp, off in offsets.items()}

    async def stop(self) -> None:
        return None


class LaggingCommitSink(SinkConnector):
    def task_class(self) -> type[SinkTask]:
        return LaggingCommitTask


class SlowTargetTask(SinkTask):
    """Refuses the first ``refusals`` puts with BackpressureError, then takes everything."""

    taken: ClassVar[dict[str, list[Any]]] = {}
    paused_seen: ClassVar[dict[str, bool]] = {}

    async def start(self, config: Mapping[str, Any]) -> None:
        self.refusals = int(config.get("refusals", 3))
        self.name = self.context.connector_name
        self.taken.setdefault(self.name, [])

    async def put(self, records: list[SinkRecord]) -> None:
        if records and self.refusals > 0:
            self.refusals -= 1
            raise BackpressureError("target is slow", retry_after=0.2)
        self.taken[self.name].extend(r.value for r in records)

    async def stop(self) -> None:
        return None


class SlowTargetSink(SinkConnector):
    def task_class(self) -> type[SinkTask]:
        return SlowTargetTask
