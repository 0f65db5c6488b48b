"""MirrorMaker 2's metrics (``MirrorSourceMetrics``, ``MirrorCheckpointMetrics``) with
the names Strimzi's JMX exporter rules give them, through the task's plugin metrics.

    kafka_connect_mirror_mirrorsourceconnector_record_count / _record_rate
    kafka_connect_mirror_mirrorsourceconnector_byte_count / _byte_rate
        bytes replicated: record values (record path), record batches (pass-through)
    kafka_connect_mirror_mirrorsourceconnector_record_age_ms{,_min,_max,_avg}
        now minus the record timestamp when polled (first and last record of each batch)
    kafka_connect_mirror_mirrorsourceconnector_replication_latency_ms{,_min,_max,_avg}
        now minus the timestamp of a partition's last polled record, when the runtime says
        the target acknowledged it (at its offset checkpoint)
    labels {source, target, topic (the remote topic), partition}

    kafka_connect_mirror_mirrorcheckpointconnector_checkpoint_latency_ms{,_min,_max,_avg}
        time from emitting a checkpoint to its acknowledgement;
        labels {source, target, group, topic, partition}

The runtime adds ``connector`` and ``task``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from operator import attrgetter
from typing import Any

from connect.api import PluginMetrics

SOURCE = "kafka_connect_mirror_mirrorsourceconnector"
CHECKPOINT = "kafka_connect_mirror_mirrorcheckpointconnector"
LABELS = ("source", "target", "topic", "partition")
_value_size = attrgetter("serialized_value_size")


class MirrorSourceMetrics:
    """Counts what one mirror task copies."""

    def __init__(self, metrics: PluginMetrics, source: str, target: str) -> None:
        self.source, self.target = source, target
        self.records = metrics.counter(
            f"{SOURCE}_record_count",
            "Records replicated",
            LABELS,
            rate_name=f"{SOURCE}_record_rate",
        )
        self.bytes = metrics.counter(
            f"{SOURCE}_byte_count",
            "Bytes replicated to the target: record values, or record batches passed through",
            LABELS,
            rate_name=f"{SOURCE}_byte_rate",
        )
        self.age = metrics.stats(f"{SOURCE}_record_age_ms", "Age of records when polled", LABELS)
        self.latency = metrics.stats(
            f"{SOURCE}_replication_latency_ms",
            "Record timestamp to acknowledgement by the target",
            LABELS,
        )
        self._last: dict[tuple[str, int], int] = {}  # newest timestamp polled per partition
        self.passthrough = metrics.gauge(
            f"{SOURCE}_passthrough",
            "1 when the task copies record batches undecoded, 0 on the record path",
            ("source", "target"),
        )
        self.passed = metrics.counter(
            f"{SOURCE}_passthrough_record_count",
            "Records copied inside undecoded record batches",
            LABELS,
        )

    def path(self, passthrough: bool) -> None:
        """Which copy path the task takes."""
        self.passthrough.set(1 if passthrough else 0, source=self.source, target=self.target)

    def polled_batches(
        self, topic: str, partition: int, headers: Sequence[Any], decoded: int
    ) -> None:
        """Undecoded batches (their headers) and ``decoded`` record-path records polled."""
        passed = sum(h.record_count for h in headers)
        if not passed and not decoded:
            return
        labels: dict[str, str | int] = {
            "source": self.source,
            "target": self.target,
            "topic": topic,
            "partition": partition,
        }
        self.records.inc(passed + decoded, **labels)
        if not headers:
            return
        self.passed.inc(passed, **labels)
        self.bytes.inc(sum(h.size for h in headers), **labels)  # batch bytes, not values
        now = time.time() * 1000
        self.age.record(max(0.0, now - headers[0].first_timestamp), **labels)
        self._last[(topic, partition)] = headers[-1].max_timestamp

    def polled(self, topic: str, partition: int, messages: Sequence[Any]) -> None:
        """A batch of consumer records of ``topic`` (remote name) polled from the source."""
        if not messages:
            return
        labels: dict[str, str | int] = {
            "source": self.source,
            "target": self.target,
            "topic": topic,
            "partition": partition,
        }
        self.records.inc(len(messages), **labels)
        self.bytes.inc(sum(s for s in map(_value_size, messages) if s > 0), **labels)
        now = time.time() * 1000
        first, last = messages[0].timestamp, messages[-1].timestamp
        self.age.record(max(0.0, now - first), **labels)
        if len(messages) > 1:
            self.age.record(max(0.0, now - last), **labels)
        self._last[(topic, partition)] = last

    def acknowledged(self) -> None:
        """Everything polled so far reached the target."""
        if not self._last:
            return
        now = time.time() * 1000
        for (topic, partition), ts in self._last.items():
            self.latency.record(
                max(0.0, now - ts),
                source=self.source,
                target=self.target,
                topic=topic,
                partition=partition,
            )
        self._last = {}


class MirrorCheckpointMetrics:
    """Latency of the checkpoints one checkpoint task emits."""

    def __init__(self, metrics: PluginMetrics, source: str, target: str) -> None:
        self.source, self.target = source, target
        self.latency = metrics.stats(
            f"{CHECKPOINT}_checkpoint_latency_ms",
            "Checkpoint emitted to acknowledged",
            ("source", "target", "group", "topic", "partition"),
        )
        self._emitted: dict[tuple[str, str, int], float] = {}

    def emitted(self, checkpoints: Iterable[Any], at_ms: float) -> None:
        for cp in checkpoints:
            self._emitted.setdefault((cp.group, cp.topic, cp.partition), at_ms)

    def acknowledged(self) -> None:
        now = time.time() * 1000
        for (group, topic, partition), at in self._emitted.items():
            self.latency.record(
                max(0.0, now - at),
                source=self.source,
                target=self.target,
                group=group,
                topic=topic,
                partition=partition,
            )
        self._emitted = {}
