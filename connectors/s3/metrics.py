"""The S3 sink's metrics, through the plugin metrics its context offers.

    smart_connect_s3_objects_committed_total{topic,partition}   objects completed in the bucket
    smart_connect_s3_bytes_committed_total{topic,partition}     their bytes
    smart_connect_s3_open_files                                 objects being written now
    smart_connect_s3_buffered_bytes                             bytes held in memory for them
    smart_connect_s3_upload_latency_seconds                     time to complete one object

Every series also carries ``connector`` and ``task`` (added by the runtime).
"""

from __future__ import annotations

from collections.abc import Iterable

from connect.api import PluginMetrics, TopicPartition

TP = ("topic", "partition")


class S3Metrics:
    """Counters and gauges of one S3 sink task."""

    def __init__(self, metrics: PluginMetrics) -> None:
        self.objects = metrics.counter(
            "smart_connect_s3_objects_committed_total", "Objects completed in the bucket", TP
        )
        self.bytes = metrics.counter(
            "smart_connect_s3_bytes_committed_total", "Bytes of the objects completed", TP
        )
        self.open_files = metrics.gauge("smart_connect_s3_open_files", "Objects being written")
        self.buffered = metrics.gauge(
            "smart_connect_s3_buffered_bytes", "Bytes buffered in memory for open objects"
        )
        self.latency = metrics.histogram(
            "smart_connect_s3_upload_latency_seconds",
            "Time to complete one object (last part and completion)",
        )

    def object_done(self, tp: TopicPartition, size: int, seconds: float) -> None:
        self.objects.inc(topic=tp.topic, partition=tp.partition)
        self.bytes.inc(size, topic=tp.topic, partition=tp.partition)
        self.latency.observe(seconds)

    def update(self, open_files: Iterable[int], buffered: int) -> None:
        self.open_files.set(sum(open_files))
        self.buffered.set(buffered)
