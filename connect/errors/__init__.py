"""Error handling for task stages: retry, tolerance, dead-letter queue, counters."""

from connect.errors.operator import SKIP, ErrorHandler, ErrorSettings, Failure, TaskFailure
from connect.errors.stage import Stage

__all__ = ["SKIP", "ErrorHandler", "ErrorSettings", "Failure", "Stage", "TaskFailure"]
