"""Shared bits of the error-handling tests: worker config, a mixed stream, DLQ reading."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.helpers.kafka import SESSION_MS
from tests.helpers.wait import wait_until

PREFIX = "__connect.errors."


def worker_config(bootstrap: str, unique: str, **extra: Any) -> dict[str, Any]:
    """In-process worker settings; failed tasks stay FAILED (no quick restart)."""
    return {
        "bootstrap.servers": bootstrap,
        "offset.storage.topic": f"offsets-{unique}",
        "offset.flush.interval.ms": 300,
        "task.restart.backoff.initial.ms": 60_000,
        "consumer.session.timeout.ms": SESSION_MS,
        "consumer.heartbeat.interval.ms": 300,
        **extra,
    }


@dataclass
class MixedStream:
    """Records spread over partitions; some undecodable JSON, some marked reject.

    Offsets are known because each partition of a fresh topic starts at 0.
    """

    partitions: int
    count: int
    records: list[dict[str, Any]] = field(default_factory=list)
    good: list[dict[str, Any]] = field(default_factory=list)
    bad_json: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    rejected: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        next_offset = [0] * self.partitions
        for n in range(self.count):
            p = n % self.partitions
            rec: dict[str, Any] = {
                "partition": p,
                "key": f"k{n}".encode(),
                "headers": [("n", str(n).encode()), ("empty", b"")],
            }
            if n % 7 == 3:
                rec["value"] = b'{"n": %d, broken' % n
                self.bad_json[(p, next_offset[p])] = rec
            elif n % 11 == 5:
                rec["value"] = json.dumps({"n": n, "reject": True}).encode()
                self.rejected[(p, next_offset[p])] = rec
            else:
                rec["value"] = json.dumps({"n": n}).encode()
                self.good.append({"n": n})
            next_offset[p] += 1
            self.records.append(rec)

    @property
    def bad(self) -> int:
        return len(self.bad_json) + len(self.rejected)


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def context(msg: Any) -> dict[str, str]:
    """The ``__connect.errors.*`` headers of a DLQ message, prefix removed."""
    return {
        k.removeprefix(PREFIX): v.decode() for k, v in msg.headers or () if k.startswith(PREFIX)
    }


def origin(msg: Any) -> tuple[int, int]:
    ctx = context(msg)
    return int(ctx["partition"]), int(ctx["offset"])


async def task_in_state(herder: Any, name: str, state: str, timeout: float = 30.0) -> Any:
    """Wait until task 0 of ``name`` is in ``state``; its status."""

    def task() -> Any:
        tasks = herder.status(name)["tasks"]
        return tasks[0] if tasks and tasks[0]["state"] == state else None

    return await wait_until(task, timeout=timeout, message=f"{name} task {state}")
