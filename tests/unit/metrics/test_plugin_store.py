"""Plugin metrics: tags, kinds, exposition names, removal (pure logic)."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from connect.api import NoMetrics, PluginMetrics
from connect.metrics import PluginMetricStore


def exposed(store: PluginMetricStore) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    class _Collector:
        def collect(self):  # type: ignore[no-untyped-def]
            return store.collect()

        def describe(self):  # type: ignore[no-untyped-def]
            return []

    reg = CollectorRegistry(auto_describe=False)
    reg.register(_Collector())  # type: ignore[arg-type]
    text = generate_latest(reg).decode()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for fam in text_string_to_metric_families(text)
        for s in fam.samples
    }


def test_series_are_tagged_with_connector_and_task_and_removed_on_close() -> None:
    store = PluginMetricStore()
    a, b = store.scope("c1", 0), store.scope("c1", 1)
    a.counter("x_total", "x", ("topic",)).inc(2, topic="t")
    b.counter("x_total", "x", ("topic",)).inc(5, topic="t")
    conn = store.scope("c1")
    conn.gauge("g").set(3)
    got = exposed(store)
    assert got[("x_total", frozenset({("connector", "c1"), ("task", "0"), ("topic", "t")}))] == 2
    assert got[("x_total", frozenset({("connector", "c1"), ("task", "1"), ("topic", "t")}))] == 5
    assert got[("g", frozenset({("connector", "c1"), ("task", "")}))] == 3
    a.close()
    got = exposed(store)
    assert ("x_total", frozenset({("connector", "c1"), ("task", "0"), ("topic", "t")})) not in got
    assert ("x_total", frozenset({("connector", "c1"), ("task", "1"), ("topic", "t")})) in got
    assert ("g", frozenset({("connector", "c1"), ("task", "")})) in got, (
        "a task's close keeps the connector's"
    )


def test_counter_without_total_suffix_keeps_its_name_and_has_a_rate() -> None:
    store = PluginMetricStore()
    c = store.scope("m", 0).counter("mm_record_count", labels=("p",), rate_name="mm_record_rate")
    c.inc(10, p=1)
    got = exposed(store)
    tags = frozenset({("connector", "m"), ("task", "0"), ("p", "1")})
    assert got[("mm_record_count", tags)] == 10
    assert got[("mm_record_rate", tags)] == 10  # within the first second: over one second


def test_stats_and_histogram_families() -> None:
    store = PluginMetricStore()
    scope = store.scope("s", 2)
    stats = scope.stats("lat_ms")
    for v in (5, 1, 9):
        stats.record(v)
    hist = scope.histogram("up_seconds", buckets=(0.1, 1.0))
    hist.observe(0.05)
    hist.observe(0.5)
    hist.observe(5)
    got = exposed(store)
    tags = frozenset({("connector", "s"), ("task", "2")})
    assert got[("lat_ms", tags)] == 9  # the last sample
    assert got[("lat_ms_min", tags)] == 1
    assert got[("lat_ms_max", tags)] == 9
    assert got[("lat_ms_avg", tags)] == 5
    assert got[("up_seconds_count", tags)] == 3
    assert got[("up_seconds_sum", tags)] == pytest.approx(5.55)
    assert got[("up_seconds_bucket", tags | {("le", "0.1")})] == 1
    assert got[("up_seconds_bucket", tags | {("le", "1.0")})] == 2
    assert got[("up_seconds_bucket", tags | {("le", "+Inf")})] == 3


def test_mistakes_are_clear() -> None:
    scope = PluginMetricStore().scope("c", 0)
    counter = scope.counter("n_total", labels=("topic",))
    with pytest.raises(ValueError, match=r"takes labels \['topic'\]"):
        counter.inc(1)
    with pytest.raises(ValueError, match="cannot go down"):
        counter.inc(-1, topic="t")
    with pytest.raises(ValueError, match="already a counter"):
        scope.gauge("n_total", labels=("topic",))
    with pytest.raises(ValueError, match="not a valid Prometheus name"):
        scope.gauge("bad-name")
    with pytest.raises(ValueError, match="connector"):
        scope.gauge("g2", labels=("connector",))


def test_no_metrics_accepts_everything() -> None:
    metrics: PluginMetrics = NoMetrics()
    metrics.counter("a_total").inc(1, x="y")
    metrics.gauge("b").set(1)
    metrics.stats("c").record(1)
    metrics.histogram("d").observe(1)
