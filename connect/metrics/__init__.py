"""Worker metrics: one registry of names (``names``), per-task counters, plugin metrics,
and the Prometheus collector ``/metrics`` serves."""

from connect.metrics.collector import WorkerCollector, exposition, registry_for
from connect.metrics.hub import WorkerMetrics
from connect.metrics.plugin import PluginMetricStore, Scope
from connect.metrics.task import TaskMetrics

__all__ = [
    "PluginMetricStore",
    "Scope",
    "TaskMetrics",
    "WorkerCollector",
    "WorkerMetrics",
    "exposition",
    "registry_for",
]
