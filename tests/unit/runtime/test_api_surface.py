"""The public plugin API is pinned: changing it is a deliberate act."""

import ast
from pathlib import Path

import connect.api

PINNED = {
    "StatsMetric",
    "PluginMetrics",
    "NoMetrics",
    "Monitorable",
    "HistogramMetric",
    "GaugeMetric",
    "CounterMetric",
    "BackpressureError",
    "CommaList",
    "ConfigError",
    "ConnectError",
    "ConnectRecord",
    "Connector",
    "ConnectorConfig",
    "Converter",
    "DataError",
    "Header",
    "PassthroughBatch",
    "Predicate",
    "RawRecordBatch",
    "RetriableError",
    "SinkConnector",
    "SinkRecord",
    "SinkTask",
    "SinkTaskContext",
    "SourceConnector",
    "SourceRecord",
    "SourceTask",
    "SourceTaskContext",
    "Task",
    "TopicPartition",
    "Transformation",
    "secret_keys",
}


def test_all_is_pinned() -> None:
    assert set(connect.api.__all__) == PINNED
    for name in PINNED:
        assert hasattr(connect.api, name)


def test_api_imports_nothing_else_of_ours() -> None:
    folder = Path(connect.api.__file__).parent
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                mod = node.module
                assert not mod.startswith("connect.") or mod.startswith("connect.api"), (path, mod)
                assert not mod.startswith("connectors"), (path, mod)


def test_records_are_frozen() -> None:
    import dataclasses

    import pytest

    rec = connect.api.SinkRecord(topic="t", value=1, offset=3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        rec.value = 2  # type: ignore[misc]
    assert rec.with_(value=2).value == 2 and rec.value == 1
    assert rec.topic_partition == connect.api.TopicPartition("t", 0)
