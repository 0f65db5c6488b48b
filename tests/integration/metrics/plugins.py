"""Plugins of the metrics tests (loaded as ``tests.integration.metrics.plugins:Class``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from connect.api import (
    ConnectRecord,
    PluginMetrics,
    SinkConnector,
    SinkRecord,
    SinkTask,
    Transformation,
)


class CountingSinkTask(SinkTask):
    """Counts records through its context's plugin metrics; with ``pause.after.first``
    pauses all its partitions after the first batch (so lag stays)."""

    async def start(self, config: Mapping[str, Any]) -> None:
        self.pause_after_first = str(config.get("pause.after.first", "false")) == "true"
        self.seen = self.context.metrics.counter(
            "test_plugin_records_total", "Records put", labels=("topic",)
        )
        self.sizes = self.context.metrics.stats("test_plugin_value_bytes", "Value sizes")

    async def put(self, records: list[SinkRecord]) -> None:
        for r in records:
            self.seen.inc(topic=r.topic)
            self.sizes.record(len(r.raw_value or b""))
        if records and self.pause_after_first:
            self.context.pause(*self.context.assignment())

    async def stop(self) -> None:
        return None


class CountingSink(SinkConnector):
    def task_class(self) -> type[SinkTask]:
        return CountingSinkTask


class CountingTransform(Transformation):
    """Passes records on; counts them in a gauge through ``with_plugin_metrics``."""

    instances: ClassVar[list[CountingTransform]] = []

    def configure(self, config: Mapping[str, Any]) -> None:
        self.count = 0
        CountingTransform.instances.append(self)

    def with_plugin_metrics(self, metrics: PluginMetrics) -> None:
        self.gauge = metrics.gauge("test_transform_seen", "Records the transform saw")

    def apply(self, record: ConnectRecord) -> ConnectRecord | None:
        self.count += 1
        self.gauge.set(self.count)
        return record
