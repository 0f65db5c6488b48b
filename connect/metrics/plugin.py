"""``connect.api.PluginMetrics`` for the worker: plugin metrics tagged per task.

    store = PluginMetricStore()                 # one per worker
    scope = store.scope("orders-s3", 0)         # what a task's context hands out
    scope.counter("x_total", labels=("topic",)).inc(3, topic="orders")
    store.collect()                             # Prometheus families, tags first
    scope.close()                               # the task stopped: its series go

Values are plain numbers in dicts; reading them builds the Prometheus families, so
recording costs a dict update.
"""

from __future__ import annotations

import bisect
import re
import time
from collections.abc import Iterator, Sequence
from typing import Any, Literal

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
    UnknownMetricFamily,
)

from connect.api.metrics import CounterMetric, GaugeMetric, HistogramMetric, StatsMetric
from connect.metrics.names import PLUGIN_TAGS
from connect.metrics.stats import Rate, Window

FamilyKind = Literal["counter", "gauge", "stats", "histogram"]
Key = tuple[str, ...]
_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class _Family:
    def __init__(
        self,
        name: str,
        description: str,
        kind: FamilyKind,
        labels: tuple[str, ...],
        *,
        rate_name: str | None = None,
        buckets: tuple[float, ...] = DEFAULT_BUCKETS,
    ) -> None:
        self.name = name
        self.description = description or name
        self.kind: FamilyKind = kind
        self.labels = labels
        self.rate_name = rate_name
        self.buckets = buckets
        self.values: dict[Key, Any] = {}
        self.rates: dict[Key, Rate] = {}

    def key(self, tags: Key, labels: dict[str, str | int]) -> Key:
        if len(labels) != len(self.labels):
            raise ValueError(
                f"metric {self.name} takes labels {list(self.labels)}, got {sorted(labels)}"
            )
        try:
            return tags + tuple(str(labels[n]) for n in self.labels)
        except KeyError as exc:
            raise ValueError(
                f"metric {self.name} takes labels {list(self.labels)}, got {sorted(labels)}"
            ) from exc

    def drop(self, tags: Key) -> None:
        n = len(tags)
        for key in [k for k in self.values if k[:n] == tags]:
            del self.values[key]
            self.rates.pop(key, None)

    def families(self) -> Iterator[Metric]:
        names = [*PLUGIN_TAGS, *self.labels]
        if self.kind == "counter":
            fam: CounterMetricFamily | UnknownMetricFamily
            if self.name.endswith("_total"):
                fam = CounterMetricFamily(self.name[:-6], self.description, labels=names)
            else:
                fam = UnknownMetricFamily(self.name, self.description, labels=names)
            for key, value in self.values.items():
                fam.add_metric(list(key), value)
            yield fam
            if self.rate_name:
                rates = GaugeMetricFamily(
                    self.rate_name, f"{self.description} per second", labels=names
                )
                now = time.monotonic()
                for key, value in self.values.items():
                    rates.add_metric(list(key), self._rate(key).value(value, now))
                yield rates
        elif self.kind == "gauge":
            gauge = GaugeMetricFamily(self.name, self.description, labels=names)
            for key, value in self.values.items():
                gauge.add_metric(list(key), value)
            yield gauge
        elif self.kind == "stats":
            parts = [
                GaugeMetricFamily(f"{self.name}{suffix}", self.description, labels=names)
                for suffix in ("", "_min", "_max", "_avg")
            ]
            now = time.monotonic()
            for key, window in self.values.items():
                for part, value in zip(parts, window.summary(now), strict=True):
                    part.add_metric(list(key), value)
            yield from parts
        else:
            hist = HistogramMetricFamily(self.name, self.description, labels=names)
            for key, (counts, total) in self.values.items():
                cumulative, buckets = 0, []
                for bound, count in zip([*self.buckets, float("inf")], counts, strict=True):
                    cumulative += count
                    buckets.append((_bound(bound), cumulative))
                hist.add_metric(list(key), buckets, total)
            yield hist

    def _rate(self, key: Key) -> Rate:
        rate = self.rates.get(key)
        if rate is None:
            rate = self.rates[key] = Rate()
        return rate

    def sample(self, now: float) -> None:
        if self.rate_name:
            for key, value in self.values.items():
                self._rate(key).sample(value, now)


def _bound(value: float) -> str:
    return "+Inf" if value == float("inf") else repr(float(value))


class _Series:
    """One family seen through one scope: the handle a plugin holds."""

    __slots__ = ("family", "tags")

    def __init__(self, family: _Family, tags: Key) -> None:
        self.family = family
        self.tags = tags

    def inc(self, amount: float = 1, **labels: str | int) -> None:
        if amount < 0 and self.family.kind == "counter":
            raise ValueError(f"counter {self.family.name} cannot go down")
        family = self.family
        key = family.key(self.tags, labels)
        values = family.values
        if family.rate_name and key not in family.rates:
            family.rates[key] = Rate(start=time.monotonic())  # from 0, now
        values[key] = values.get(key, 0) + amount

    def dec(self, amount: float = 1, **labels: str | int) -> None:
        self.inc(-amount, **labels)

    def set(self, value: float, **labels: str | int) -> None:
        self.family.values[self.family.key(self.tags, labels)] = value

    def remove(self, **labels: str | int) -> None:
        key = self.family.key(self.tags, labels)
        self.family.values.pop(key, None)
        self.family.rates.pop(key, None)

    def record(self, value: float, **labels: str | int) -> None:
        key = self.family.key(self.tags, labels)
        window = self.family.values.get(key)
        if window is None:
            window = self.family.values[key] = Window()
        window.record(value)

    def observe(self, value: float, **labels: str | int) -> None:
        family = self.family
        key = family.key(self.tags, labels)
        entry = family.values.get(key)
        if entry is None:
            entry = family.values[key] = ([0] * (len(family.buckets) + 1), 0.0)
        entry[0][bisect.bisect_left(family.buckets, value)] += 1
        family.values[key] = (entry[0], entry[1] + value)


class PluginMetricStore:
    """Every plugin metric family of one worker."""

    def __init__(self) -> None:
        self.families: dict[str, _Family] = {}

    def scope(self, connector: str, task: int | None = None) -> Scope:
        """The metrics of a task (or, with ``task=None``, of a connector)."""
        return Scope(self, (connector, "" if task is None else str(task)))

    def family(
        self,
        name: str,
        description: str,
        kind: FamilyKind,
        labels: Sequence[str],
        **options: Any,
    ) -> _Family:
        labels = tuple(labels)
        if not _NAME.match(name):
            raise ValueError(f"metric name {name!r} is not a valid Prometheus name")
        if set(labels) & set(PLUGIN_TAGS) or len(set(labels)) != len(labels):
            raise ValueError(
                f"metric {name}: labels {list(labels)} repeat or use {list(PLUGIN_TAGS)}"
            )
        found = self.families.get(name)
        if found is None:
            found = self.families[name] = _Family(name, description, kind, labels, **options)
        elif found.kind != kind or found.labels != labels:
            raise ValueError(
                f"metric {name} is already a {found.kind} with labels {list(found.labels)}"
            )
        return found

    def drop(self, tags: Key) -> None:
        for family in self.families.values():
            family.drop(tags)

    def sample(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        for family in list(self.families.values()):
            family.sample(now)

    def collect(self) -> Iterator[Metric]:
        for family in list(self.families.values()):
            if family.values:
                yield from family.families()


class Scope:
    """``PluginMetrics`` of one task or connector; ``close()`` removes its series."""

    def __init__(self, store: PluginMetricStore, tags: Key) -> None:
        self.store = store
        self.tags = tags

    def counter(
        self,
        name: str,
        description: str = "",
        labels: Sequence[str] = (),
        *,
        rate_name: str | None = None,
    ) -> CounterMetric:
        family = self.store.family(name, description, "counter", labels, rate_name=rate_name)
        return _Series(family, self.tags)

    def gauge(self, name: str, description: str = "", labels: Sequence[str] = ()) -> GaugeMetric:
        return _Series(self.store.family(name, description, "gauge", labels), self.tags)

    def stats(self, name: str, description: str = "", labels: Sequence[str] = ()) -> StatsMetric:
        return _Series(self.store.family(name, description, "stats", labels), self.tags)

    def histogram(
        self,
        name: str,
        description: str = "",
        labels: Sequence[str] = (),
        *,
        buckets: Sequence[float] | None = None,
    ) -> HistogramMetric:
        bounds = tuple(sorted(buckets)) if buckets else DEFAULT_BUCKETS
        family = self.store.family(name, description, "histogram", labels, buckets=bounds)
        return _Series(family, self.tags)

    def close(self) -> None:
        """Remove every series of this scope."""
        self.store.drop(self.tags)
