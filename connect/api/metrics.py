"""Metrics a plugin registers for itself (the idea of Kafka's KIP-877).

A task reaches its metrics through ``self.context.metrics``; a connector, converter,
transform or predicate that defines ``with_plugin_metrics(metrics)`` (``Monitorable``)
gets them right after it is created. Every series is tagged with the ``connector``
(and ``task``) it belongs to and removed when that task or connector stops::

    records = self.context.metrics.counter(
        "my_plugin_records_total", "Records written", labels=("topic",)
    )
    records.inc(len(batch), topic="orders")

Names follow Prometheus rules (``[a-zA-Z_:][a-zA-Z0-9_:]*``); a counter whose name ends
in ``_total`` is exposed as a Prometheus counter, any other name as it is. Asking twice
for the same name returns the same metric; asking for it with another kind or other
labels raises ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable


class CounterMetric(Protocol):
    """A value that only goes up."""

    def inc(self, amount: float = 1, **labels: str | int) -> None:
        """Add ``amount`` (>= 0) to the series named by ``labels``."""


class GaugeMetric(Protocol):
    """A value that goes up and down."""

    def set(self, value: float, **labels: str | int) -> None:
        """Set the series named by ``labels`` to ``value``."""

    def inc(self, amount: float = 1, **labels: str | int) -> None:
        """Add ``amount`` to the series."""

    def dec(self, amount: float = 1, **labels: str | int) -> None:
        """Subtract ``amount`` from the series."""

    def remove(self, **labels: str | int) -> None:
        """Drop the series named by ``labels`` (e.g. a partition no longer assigned)."""


class StatsMetric(Protocol):
    """Samples summarized as Kafka's sensors do: ``name`` (the last sample) and
    ``name_min``, ``name_max``, ``name_avg`` over a recent window (30 s)."""

    def record(self, value: float, **labels: str | int) -> None:
        """Add one sample to the series named by ``labels``."""


class HistogramMetric(Protocol):
    """Samples counted in buckets (``name_bucket``, ``name_sum``, ``name_count``)."""

    def observe(self, value: float, **labels: str | int) -> None:
        """Add one sample to the series named by ``labels``."""


class PluginMetrics(Protocol):
    """Where a plugin creates its metrics; the runtime adds ``connector`` and ``task``."""

    def counter(
        self,
        name: str,
        description: str = "",
        labels: Sequence[str] = (),
        *,
        rate_name: str | None = None,
    ) -> CounterMetric:
        """A counter; with ``rate_name`` also a gauge of its per-second rate (30 s window)."""

    def gauge(self, name: str, description: str = "", labels: Sequence[str] = ()) -> GaugeMetric:
        """A gauge."""

    def stats(self, name: str, description: str = "", labels: Sequence[str] = ()) -> StatsMetric:
        """Last, min, max and average of recent samples."""

    def histogram(
        self,
        name: str,
        description: str = "",
        labels: Sequence[str] = (),
        *,
        buckets: Sequence[float] | None = None,
    ) -> HistogramMetric:
        """A histogram (default buckets suit seconds of latency)."""


@runtime_checkable
class Monitorable(Protocol):
    """A plugin that wants metrics: the runtime calls this once, after creating it."""

    def with_plugin_metrics(self, metrics: PluginMetrics) -> None:
        """Keep ``metrics`` and create the plugin's metrics from it."""


class _Nothing:
    """Accepts every call and records nothing (a context outside a worker)."""

    def inc(self, amount: float = 1, **labels: str | int) -> None:
        pass

    def dec(self, amount: float = 1, **labels: str | int) -> None:
        pass

    def set(self, value: float, **labels: str | int) -> None:
        pass

    def remove(self, **labels: str | int) -> None:
        pass

    def record(self, value: float, **labels: str | int) -> None:
        pass

    def observe(self, value: float, **labels: str | int) -> None:
        pass


class NoMetrics:
    """``PluginMetrics`` that records nothing: what a context offers outside a worker."""

    _nothing = _Nothing()

    def counter(
        self,
        name: str,
        description: str = "",
        labels: Sequence[str] = (),
        *,
        rate_name: str | None = None,
    ) -> CounterMetric:
        return self._nothing

    def gauge(self, name: str, description: str = "", labels: Sequence[str] = ()) -> GaugeMetric:
        return self._nothing

    def stats(self, name: str, description: str = "", labels: Sequence[str] = ()) -> StatsMetric:
        return self._nothing

    def histogram(
        self,
        name: str,
        description: str = "",
        labels: Sequence[str] = (),
        *,
        buckets: Sequence[float] | None = None,
    ) -> HistogramMetric:
        return self._nothing
