"""Task runners: the loops that move records between Kafka and a task."""

from connect.runners.base import RunnerContext, TaskRunner
from connect.runners.sink import SinkRunner
from connect.runners.source import SourceRunner

__all__ = ["RunnerContext", "SinkRunner", "SourceRunner", "TaskRunner"]
