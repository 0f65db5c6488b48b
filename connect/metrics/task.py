"""What a task's runner counts: plain numbers the hot loops add to.

One ``TaskMetrics`` per task id lives in the worker, so counters survive restarts of the
task within the worker; the runner of the moment sets the callables that read live
state (lag, assigned partitions, unacknowledged records).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

from connect.metrics.stats import Average, Rate

TaskKind = Literal["source", "sink"]


class TaskMetrics:
    """Counters of one task (``connector``, ``task``)."""

    def __init__(self, kind: TaskKind) -> None:
        self.kind: TaskKind = kind
        self.enabled = True  # false: live readings (sink lag) are skipped
        # source
        self.polled = 0
        self.written = 0
        self.poll_time = Average()  # ms, polls that returned records
        # sink
        self.read = 0
        self.sent = 0
        self.put_time = Average()  # ms
        # every task
        self.commit_time = Average()  # ms
        self.commits_ok = 0
        self.commits_failed = 0
        self.batch_size = Average()
        self.dlq_failures = 0
        self.last_commit: float | None = None  # wall-clock seconds of the last success
        self.started = time.time()
        now = time.monotonic()
        self._rates = {
            "polled": Rate(start=now),
            "written": Rate(start=now),
            "read": Rate(start=now),
        }
        # set by the runner that runs the task now
        self.lag: Callable[[], int | None] = lambda: None
        self.partitions: Callable[[], int] = lambda: 0
        self.active: Callable[[], int] = lambda: 0
        self.errors: dict[str, int] | None = None  # the ErrorHandler's counters

    def sample(self, now: float | None = None) -> None:
        """Take a sample of the totals for the rates (the worker does, once a second)."""
        for name, rate in self._rates.items():
            rate.sample(getattr(self, name), now)

    def rate(self, name: Literal["polled", "written", "read"]) -> float:
        """Records per second over the last 30 s."""
        return self._rates[name].value(getattr(self, name))

    def committed(self, seconds: float) -> None:
        """An offset commit succeeded after ``seconds``."""
        self.commit_time.add(seconds * 1000)
        self.commits_ok += 1
        self.last_commit = time.time()

    def commit_failed(self, seconds: float) -> None:
        self.commit_time.add(seconds * 1000)
        self.commits_failed += 1

    @property
    def commit_success_ratio(self) -> float:
        done = self.commits_ok + self.commits_failed
        return self.commits_ok / done if done else 0.0

    @property
    def total(self) -> int:
        """Records moved: written (source) or read (sink)."""
        return self.written if self.kind == "source" else self.read

    def summary(self) -> dict[str, float | int | None]:
        """What people want to see per task (REST status ``metrics``, ``top``)."""
        rate = self.rate("written" if self.kind == "source" else "read")
        now = time.time()
        return {
            "records_total": self.total,
            "records_per_second": round(rate, 1),
            "lag": self.lag() if self.kind == "sink" else None,
            "in_flight": self.active() if self.kind == "source" else None,
            "last_commit_age_s": round(now - self.last_commit, 1)
            if self.last_commit is not None
            else None,
        }
