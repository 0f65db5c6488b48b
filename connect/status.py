"""Desired state (what users asked for) and actual status (what runs), kept apart."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class TargetState(StrEnum):
    """What a user asked a connector to be."""

    STARTED = "STARTED"
    PAUSED = "PAUSED"
    STOPPED = "STOPPED"


class State(StrEnum):
    """What a connector or task actually is (Kafka Connect's names)."""

    UNASSIGNED = "UNASSIGNED"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    STOPPED = "STOPPED"
    FAILED = "FAILED"
    RESTARTING = "RESTARTING"
    DESTROYED = "DESTROYED"


@dataclass(frozen=True, order=True)
class TaskId:
    """A task's identity: connector name and index."""

    connector: str
    task: int

    def __str__(self) -> str:
        return f"{self.connector}-{self.task}"

    def to_json(self) -> dict[str, Any]:
        return {"connector": self.connector, "task": self.task}


@dataclass
class Status:
    """The status of one connector or task, as shown by REST and the status topic."""

    state: State
    worker_id: str
    trace: str | None = None
    generation: int = 0
    updated: float = field(default_factory=time.time)
    counters: dict[str, int] = field(default_factory=dict)
    # what a running task reports about itself (e.g. "completed: ...", a gap it found)
    message: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"state": self.state.value, "worker_id": self.worker_id}
        if self.trace:
            out["trace"] = self.trace
        if self.message:
            out["message"] = self.message
        if self.counters:
            out["errors"] = dict(self.counters)
        return out
