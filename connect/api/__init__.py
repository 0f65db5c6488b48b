"""The smart-connect plugin API.

Everything a connector, converter, transform or predicate plugin needs lives here,
and this package imports nothing else of smart-connect: plugins depend on it alone.
"""

from connect.api.config import CommaList, ConnectorConfig, secret_keys
from connect.api.connector import Connector, SinkConnector, SourceConnector
from connect.api.context import SinkTaskContext, SourceTaskContext
from connect.api.converter import Converter
from connect.api.errors import (
    BackpressureError,
    ConfigError,
    ConnectError,
    DataError,
    RetriableError,
)
from connect.api.metrics import (
    CounterMetric,
    GaugeMetric,
    HistogramMetric,
    Monitorable,
    NoMetrics,
    PluginMetrics,
    StatsMetric,
)
from connect.api.records import (
    ConnectRecord,
    Header,
    PassthroughBatch,
    RawRecordBatch,
    SinkRecord,
    SourceRecord,
    TopicPartition,
)
from connect.api.task import SinkTask, SourceTask, Task
from connect.api.transform import Predicate, Transformation

__all__ = [
    "BackpressureError",
    "CommaList",
    "ConfigError",
    "ConnectError",
    "ConnectRecord",
    "Connector",
    "ConnectorConfig",
    "Converter",
    "CounterMetric",
    "DataError",
    "GaugeMetric",
    "Header",
    "HistogramMetric",
    "Monitorable",
    "NoMetrics",
    "PassthroughBatch",
    "PluginMetrics",
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
    "StatsMetric",
    "Task",
    "TopicPartition",
    "Transformation",
    "secret_keys",
]
