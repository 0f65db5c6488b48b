"""Every metric name the runtime exposes, in one place.

The names and labels are those Strimzi's JMX exporter rules give Kafka Connect and
MirrorMaker 2 metrics (``kafka_connect_<group>_<attribute>``), so existing dashboards and
alert rules work unchanged. Names a plugin creates through ``connect.api.PluginMetrics``
(the S3 sink's, the mirror's) are listed here too, so that this module is the one
reference; the plugins spell them out because they import nothing of the runtime.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["gauge", "counter"]


@dataclass(frozen=True)
class Metric:
    """A metric family: its exposed name, help text, labels and Prometheus type.

    A ``counter`` is exposed as ``<name>`` with a ``counter`` type only when the name
    ends in ``_total``; otherwise (Kafka's cumulative attributes such as
    ``total-record-failures``) the value is a counter exposed as it is, untyped.
    """

    name: str
    help: str
    labels: tuple[str, ...] = ()
    kind: Kind = "gauge"


C = ("connector",)
CT = ("connector", "task")

# ---------------------------------------------------------------- worker
WORKER_CONNECTOR_COUNT = Metric(
    "kafka_connect_worker_connector_count", "Connectors run by this worker"
)
WORKER_TASK_COUNT = Metric("kafka_connect_worker_task_count", "Tasks run by this worker")
WORKER_RUNNING = Metric(
    "kafka_connect_worker_connector_running_task_count", "Running tasks of a connector", C
)
WORKER_PAUSED = Metric(
    "kafka_connect_worker_connector_paused_task_count", "Paused tasks of a connector", C
)
WORKER_FAILED = Metric(
    "kafka_connect_worker_connector_failed_task_count", "Failed tasks of a connector", C
)
WORKER_UNASSIGNED = Metric(
    "kafka_connect_worker_connector_unassigned_task_count", "Unassigned tasks of a connector", C
)
REBALANCES = Metric(
    "kafka_connect_worker_rebalance_completed_rebalances_total",
    "Rebalances this worker completed",
    kind="counter",
)
REBALANCING = Metric(
    "kafka_connect_worker_rebalance_rebalancing", "1 while this worker is in a rebalance"
)

# ---------------------------------------------------------------- status (value 1)
CONNECTOR_STATUS = Metric(
    "kafka_connect_connector_status", "Connector state (value 1)", ("connector", "status")
)
TASK_STATUS = Metric(
    "kafka_connect_connector_task_status",
    "Task state (value 1)",
    ("connector", "task", "status"),
)

# ---------------------------------------------------------------- source tasks
SOURCE_POLL_TOTAL = Metric(
    "kafka_connect_source_task_source_record_poll_total",
    "Records the task's poll() returned",
    CT,
    "counter",
)
SOURCE_POLL_RATE = Metric(
    "kafka_connect_source_task_source_record_poll_rate", "Records polled per second", CT
)
SOURCE_WRITE_TOTAL = Metric(
    "kafka_connect_source_task_source_record_write_total",
    "Records written to Kafka and acknowledged",
    CT,
    "counter",
)
SOURCE_WRITE_RATE = Metric(
    "kafka_connect_source_task_source_record_write_rate", "Records written per second", CT
)
SOURCE_ACTIVE = Metric(
    "kafka_connect_source_task_source_record_active_count",
    "Records sent to Kafka but not yet acknowledged",
    CT,
)
SOURCE_POLL_TIME = Metric(
    "kafka_connect_source_task_poll_batch_avg_time_ms",
    "Average time of a poll() that returned records",
    CT,
)

# ---------------------------------------------------------------- sink tasks
SINK_READ_TOTAL = Metric(
    "kafka_connect_sink_task_sink_record_read_total", "Records read from Kafka", CT, "counter"
)
SINK_READ_RATE = Metric(
    "kafka_connect_sink_task_sink_record_read_rate", "Records read per second", CT
)
SINK_SEND_TOTAL = Metric(
    "kafka_connect_sink_task_sink_record_send_total",
    "Records handed to the task's put() after transforms",
    CT,
    "counter",
)
SINK_LAG_MAX = Metric(
    "kafka_connect_sink_task_sink_record_lag_max",
    "Largest lag of an assigned partition: end offset minus consumed position",
    CT,
)
SINK_PUT_TIME = Metric(
    "kafka_connect_sink_task_put_batch_avg_time_ms", "Average time of a put() call", CT
)
SINK_PARTITIONS = Metric(
    "kafka_connect_sink_task_partition_count", "Partitions assigned to the task", CT
)

# ---------------------------------------------------------------- every task
COMMIT_TIME = Metric(
    "kafka_connect_connector_task_offset_commit_avg_time_ms",
    "Average time of an offset commit",
    CT,
)
COMMIT_SUCCESS = Metric(
    "kafka_connect_connector_task_offset_commit_success_percentage",
    "Share of offset commits that succeeded (0-1, as Kafka reports it)",
    CT,
)
BATCH_SIZE = Metric("kafka_connect_connector_task_batch_size_avg", "Average records per batch", CT)

# ---------------------------------------------------------------- errors
ERR_FAILURES = Metric(
    "kafka_connect_task_error_total_record_failures",
    "Failed attempts at a stage (retries included)",
    CT,
    "counter",
)
ERR_ERRORS = Metric(
    "kafka_connect_task_error_total_record_errors",
    "Records that failed after retries",
    CT,
    "counter",
)
ERR_SKIPPED = Metric(
    "kafka_connect_task_error_total_records_skipped",
    "Records skipped under errors.tolerance=all",
    CT,
    "counter",
)
ERR_RETRIES = Metric(
    "kafka_connect_task_error_total_retries", "Retries of a failed stage", CT, "counter"
)
DLQ_REQUESTS = Metric(
    "kafka_connect_task_error_deadletterqueue_produce_requests",
    "Records sent to the dead-letter queue",
    CT,
    "counter",
)
DLQ_FAILURES = Metric(
    "kafka_connect_task_error_deadletterqueue_produce_failures",
    "Records the dead-letter queue could not write",
    CT,
    "counter",
)

RUNTIME = (
    WORKER_CONNECTOR_COUNT,
    WORKER_TASK_COUNT,
    WORKER_RUNNING,
    WORKER_PAUSED,
    WORKER_FAILED,
    WORKER_UNASSIGNED,
    REBALANCES,
    REBALANCING,
    CONNECTOR_STATUS,
    TASK_STATUS,
    SOURCE_POLL_TOTAL,
    SOURCE_POLL_RATE,
    SOURCE_WRITE_TOTAL,
    SOURCE_WRITE_RATE,
    SOURCE_ACTIVE,
    SOURCE_POLL_TIME,
    SINK_READ_TOTAL,
    SINK_READ_RATE,
    SINK_SEND_TOTAL,
    SINK_LAG_MAX,
    SINK_PUT_TIME,
    SINK_PARTITIONS,
    COMMIT_TIME,
    COMMIT_SUCCESS,
    BATCH_SIZE,
    ERR_FAILURES,
    ERR_ERRORS,
    ERR_SKIPPED,
    ERR_RETRIES,
    DLQ_REQUESTS,
    DLQ_FAILURES,
)
"""Families the runtime itself computes (``connect.metrics.collector``)."""

# ---------------------------------------------------------------- plugins (through PluginMetrics)
MIRROR_SOURCE = "kafka_connect_mirror_mirrorsourceconnector"
MIRROR_LABELS = ("source", "target", "topic", "partition")
MIRROR_RECORD_COUNT = f"{MIRROR_SOURCE}_record_count"
MIRROR_RECORD_RATE = f"{MIRROR_SOURCE}_record_rate"
MIRROR_BYTE_COUNT = f"{MIRROR_SOURCE}_byte_count"
MIRROR_BYTE_RATE = f"{MIRROR_SOURCE}_byte_rate"
MIRROR_RECORD_AGE = f"{MIRROR_SOURCE}_record_age_ms"
"""With ``_min``, ``_max``, ``_avg``."""
MIRROR_REPLICATION_LATENCY = f"{MIRROR_SOURCE}_replication_latency_ms"
"""With ``_min``, ``_max``, ``_avg``."""
MIRROR_CHECKPOINT_LATENCY = "kafka_connect_mirror_mirrorcheckpointconnector_checkpoint_latency_ms"
"""Labels ``source, target, group, topic, partition``; with ``_min``, ``_max``, ``_avg``."""

S3_OBJECTS = "smart_connect_s3_objects_committed_total"
S3_BYTES = "smart_connect_s3_bytes_committed_total"
S3_OPEN_FILES = "smart_connect_s3_open_files"
S3_BUFFERED_BYTES = "smart_connect_s3_buffered_bytes"
S3_UPLOAD_LATENCY = "smart_connect_s3_upload_latency_seconds"
"""A histogram (``_bucket``, ``_sum``, ``_count``) of one object's upload time."""

PLUGIN_TAGS = ("connector", "task")
"""Labels the runtime adds to every plugin metric (``task`` is empty for a connector)."""
