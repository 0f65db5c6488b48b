"""What the runtime offers a running task."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from connect.api.metrics import NoMetrics, PluginMetrics
from connect.api.records import TopicPartition

_NO_METRICS = NoMetrics()


class SourceTaskContext(ABC):
    """Read access to the stored positions of a source task's partitions."""

    @property
    @abstractmethod
    def connector_name(self) -> str:
        """The connector (task JSON ``name``) this task belongs to."""

    @property
    @abstractmethod
    def task_id(self) -> int:
        """This task's index among its connector's tasks."""

    @property
    def metrics(self) -> PluginMetrics:
        """This task's own metrics, tagged with connector and task (see ``connect.api.metrics``)."""
        return _NO_METRICS

    @abstractmethod
    def offset(self, partition: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The last stored ``source_offset`` for ``partition``, or ``None``."""

    def offsets(self, partitions: list[Mapping[str, Any]]) -> list[Mapping[str, Any] | None]:
        """``offset`` for each of ``partitions``."""
        return [self.offset(p) for p in partitions]

    async def partition_count(self, topic: str) -> int | None:
        """How many partitions ``topic`` has in the cluster the task writes to; ``None``
        when the topic does not exist (or the runtime cannot tell). Never creates it."""
        return None

    def report(self, message: str | None) -> None:
        """Show ``message`` in this task's status (e.g. ``"completed: ..."``, a gap found),
        next to its state; ``None`` clears it. The default ignores it."""


class SinkTaskContext(ABC):
    """Flow control for a sink task."""

    @property
    @abstractmethod
    def connector_name(self) -> str:
        """The connector (task JSON ``name``) this task belongs to."""

    @property
    @abstractmethod
    def task_id(self) -> int:
        """This task's index among its connector's tasks."""

    @property
    def metrics(self) -> PluginMetrics:
        """This task's own metrics, tagged with connector and task (see ``connect.api.metrics``)."""
        return _NO_METRICS

    @abstractmethod
    def assignment(self) -> set[TopicPartition]:
        """Partitions currently assigned to this task."""

    @abstractmethod
    def pause(self, *partitions: TopicPartition) -> None:
        """Stop fetching from ``partitions`` until ``resume``."""

    @abstractmethod
    def resume(self, *partitions: TopicPartition) -> None:
        """Fetch from ``partitions`` again."""

    @abstractmethod
    def request_commit(self) -> None:
        """Ask for ``pre_commit`` and a commit soon, before the flush interval."""
