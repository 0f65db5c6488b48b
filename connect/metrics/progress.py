"""The standalone worker's progress line: one per task every ``log.progress.interval.ms``.

progress  connector=orders-s3 task=0 state=RUNNING records=120000 records_per_s=2400.0
          lag=35 last_commit_age_s=4.2
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import structlog

from connect.status import State

log = structlog.get_logger("connect.progress")


def log_progress_once(worker: Any) -> int:
    """Log one line per task of ``worker``; returns how many."""
    lines = 0
    for tid in worker.running_tasks():
        found = worker.metrics.tasks.get(tid)
        if found is None:
            continue
        status = worker.statuses.get(tid)
        summary = found.summary()
        log.info(
            "progress",
            connector=tid.connector,
            task=tid.task,
            state=(status.state if status else State.UNASSIGNED).value,
            records=summary["records_total"],
            records_per_s=summary["records_per_second"],
            **{
                k: summary[k]
                for k in ("lag", "in_flight", "last_commit_age_s")
                if summary[k] is not None
            },
        )
        lines += 1
    return lines


async def _loop(worker: Any, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        log_progress_once(worker)


@contextlib.asynccontextmanager
async def progress_log(worker: Any, interval_ms: int) -> AsyncIterator[None]:
    """Log progress every ``interval_ms`` while inside (0 turns it off)."""
    if interval_ms <= 0:
        yield
        return
    task = asyncio.create_task(_loop(worker, interval_ms / 1000), name="progress-log")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
