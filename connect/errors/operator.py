"""Retry with tolerance: the one place that decides what a failed stage does.

A retriable failure is retried with exponential backoff until ``errors.retry.timeout``
(ms; 0 = no retry, -1 = forever). Then, for a tolerable stage with
``errors.tolerance=all``, the record is skipped: counted, logged when asked, and sent
to the dead-letter queue when one is configured. Otherwise the task fails with a
``TaskFailure`` that names the record.
"""

from __future__ import annotations

import asyncio
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final

import structlog
from tenacity import wait_exponential

from connect.api import BackpressureError, ConnectError, ConnectRecord, SinkRecord
from connect.errors.stage import TOLERABLE, Stage

log = structlog.get_logger(__name__)


class _Skip:
    def __repr__(self) -> str:
        return "SKIP"


SKIP: Final = _Skip()
"""Returned by ``ErrorHandler.run`` when a failed record was tolerated."""


class TaskFailure(ConnectError):
    """A stage failed beyond tolerance; the task stops with this as its cause."""


@dataclass(frozen=True)
class ErrorSettings:
    """The ``errors.*`` keys of a task."""

    tolerance: str = "none"
    retry_timeout_ms: int = 0
    retry_delay_max_ms: int = 60_000
    log_enable: bool = False
    log_include_messages: bool = False

    @classmethod
    def from_common(cls, common: Any) -> ErrorSettings:
        return cls(
            tolerance=common.errors_tolerance,
            retry_timeout_ms=common.errors_retry_timeout,
            retry_delay_max_ms=common.errors_retry_delay_max_ms,
            log_enable=common.errors_log_enable,
            log_include_messages=common.errors_log_include_messages,
        )


def is_retriable(exc: BaseException) -> bool:
    return bool(getattr(exc, "retriable", False))


def describe(record: ConnectRecord | None) -> str:
    if isinstance(record, SinkRecord):
        return f"topic={record.topic} partition={record.partition} offset={record.offset}"
    if record is not None:
        return f"topic={record.topic} source_partition={getattr(record, 'source_partition', {})}"
    return "no record"


DeadLetter = Callable[[SinkRecord, Stage, BaseException], Awaitable[None]]


class ErrorHandler:
    """Runs stage operations under the task's ``errors.*`` policy and counts outcomes."""

    def __init__(
        self,
        settings: ErrorSettings,
        *,
        dead_letter: DeadLetter | None = None,
        stopping: Callable[[], bool] = lambda: False,
    ) -> None:
        self.settings = settings
        self.dead_letter = dead_letter
        self._stopping = stopping
        self.counters = {
            "records_failed": 0,
            "records_skipped": 0,
            "retries": 0,
            "records_sent_to_dlq": 0,
        }

    async def run(
        self,
        stage: Stage,
        op: Callable[[], Any],
        record: ConnectRecord | None = None,
    ) -> Any:
        """``op()`` under retry and tolerance; ``SKIP`` if the record was tolerated."""
        started = time.monotonic()
        attempt = 0
        wait = wait_exponential(multiplier=0.1, max=self.settings.retry_delay_max_ms / 1000)
        while True:
            try:
                result = op()
                if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
                    return await result
                return result
            except (asyncio.CancelledError, BackpressureError):
                raise
            except Exception as exc:
                attempt += 1
                delay = self._retry_delay(exc, started, attempt, wait)
                if delay is not None:
                    self.counters["retries"] += 1
                    log.warning(
                        "retrying",
                        stage=stage.value,
                        attempt=attempt,
                        delay=round(delay, 3),
                        error=f"{type(exc).__name__}: {exc}",
                    )
                    await asyncio.sleep(delay)
                    continue
                return await self._failed(stage, exc, record)

    def _retry_delay(
        self, exc: BaseException, started: float, attempt: int, wait: Any
    ) -> float | None:
        timeout = self.settings.retry_timeout_ms
        if not is_retriable(exc) or timeout == 0 or self._stopping():
            return None
        delay = float(getattr(exc, "retry_after", None) or wait(_State(attempt)))
        elapsed_ms = (time.monotonic() - started) * 1000
        if timeout > 0 and elapsed_ms + delay * 1000 > timeout:
            return None
        return delay

    async def _failed(
        self, stage: Stage, exc: BaseException, record: ConnectRecord | None
    ) -> _Skip:
        self.counters["records_failed"] += 1
        where = describe(record)
        tolerated = self.settings.tolerance == "all" and stage in TOLERABLE
        if self.settings.log_enable or not tolerated:
            fields: dict[str, Any] = {"stage": stage.value, "record": where}
            if self.settings.log_include_messages and record is not None:
                fields["key"] = repr(getattr(record, "raw_key", None) or record.key)[:1000]
                fields["value"] = repr(getattr(record, "raw_value", None) or record.value)[:1000]
            log.error("record failed", error=f"{type(exc).__name__}: {exc}", **fields)
        if not tolerated:
            raise TaskFailure(
                f"{stage.value} failed for {where}: {type(exc).__name__}: {exc}"
            ) from exc
        if self.dead_letter is not None and isinstance(record, SinkRecord):
            await self.dead_letter(record, stage, exc)
            self.counters["records_sent_to_dlq"] += 1
        self.counters["records_skipped"] += 1
        return SKIP


class _State:
    """The bit of tenacity's RetryCallState that ``wait_exponential`` reads."""

    def __init__(self, attempt: int) -> None:
        self.attempt_number = attempt


def stacktrace(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))
