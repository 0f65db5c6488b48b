"""Every runtime metric name is declared once, with the labels the issue lists."""

from __future__ import annotations

from connect.metrics import names


def test_names_are_unique_and_prometheus_valid() -> None:
    seen = [m.name for m in names.RUNTIME]
    assert len(seen) == len(set(seen))
    assert all(n.startswith("kafka_connect_") for n in seen)


def test_counters_ending_in_total_are_typed_counters() -> None:
    for m in names.RUNTIME:
        if m.name.endswith("_total") and not m.name.startswith("kafka_connect_task_error"):
            assert m.kind == "counter", m.name


def test_status_labels() -> None:
    assert names.CONNECTOR_STATUS.labels == ("connector", "status")
    assert names.TASK_STATUS.labels == ("connector", "task", "status")
    assert names.SINK_LAG_MAX.labels == ("connector", "task")
