"""Retry with tolerance: the one place that decides what a failed stage does.

A retriable failure is retried with exponential backoff (capped at
``errors.retry.delay.max.ms``) until ``errors.retry.timeout`` ms have passed since
the first attempt (0 = no retry, -1 = forever). Then, for a tolerable stage with
``errors.tolerance=all``, the record is skipped: counted, logged when asked, and sent
to the dead-letter queue when one is configured. Otherwise the task fails with a
``TaskFailure`` that names the stage, the record and the cause.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final

import structlog

from connect.api import BackpressureError, ConnectError, ConnectRecord, SinkRecord
from connect.errors.stage import TOLERABLE, Stage

log = structlog.get_logger(__name__)

FIRST_RETRY_DELAY = 0.1
"""Seconds before the first retry; each later one waits twice as long (up to the max)."""

LOGGED_PAYLOAD_CHARS = 1000


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


@dataclass(frozen=True)
class Failure:
    """What failed: the stage, the class executing it, and the exception."""

    stage: Stage
    class_name: str
    error: BaseException


def class_name(obj: object) -> str:
    """Fully qualified name of ``obj``'s class (or of ``obj`` if it is a class)."""
    cls = obj if isinstance(obj, type) else type(obj)
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


def is_retriable(exc: BaseException) -> bool:
    """ConnectError and aiokafka errors carry ``retriable``; anything else is not."""
    return bool(getattr(exc, "retriable", False))


def describe(record: ConnectRecord | None) -> str:
    """Where a record comes from, without its payload."""
    if isinstance(record, SinkRecord):
        return f"topic={record.topic} partition={record.partition} offset={record.offset}"
    if record is not None:
        partition = getattr(record, "source_partition", None)
        offset = getattr(record, "source_offset", None)
        return f"topic={record.topic} source_partition={partition} source_offset={offset}"
    return "no record"


def backoff(attempt: int, max_delay: float) -> float:
    """Seconds to wait before retry number ``attempt`` (1-based): 0.1, 0.2, 0.4, ... max."""
    return float(min(max_delay, FIRST_RETRY_DELAY * 2 ** (attempt - 1)))


DeadLetter = Callable[[SinkRecord, Failure], Awaitable[None]]

COUNTERS = ("records_failed", "records_skipped", "retries", "records_sent_to_dlq")


class ErrorHandler:
    """Runs stage operations under the task's ``errors.*`` policy and counts outcomes.

    Counters: ``records_failed`` (operations that failed after retries),
    ``records_skipped`` (tolerated, the task went on), ``retries`` (retry attempts)
    and ``records_sent_to_dlq``.

    ``stopping`` and ``sleep`` (which returns False when stopping begins) come from
    the runner, so a stop is not held up by a retry backoff.
    """

    def __init__(
        self,
        settings: ErrorSettings,
        *,
        dead_letter: DeadLetter | None = None,
        stopping: Callable[[], bool] = lambda: False,
        sleep: Callable[[float], Awaitable[bool]] | None = None,
    ) -> None:
        self.settings = settings
        self.dead_letter = dead_letter
        self._stopping = stopping
        self._sleep = sleep or _sleep
        self.counters = dict.fromkeys(COUNTERS, 0)

    @property
    def tolerates_all(self) -> bool:
        return self.settings.tolerance == "all"

    async def run(
        self,
        stage: Stage,
        op: Callable[[], Any],
        record: ConnectRecord | None = None,
        *,
        executing: object = None,
        where: str | Callable[[], str] | None = None,
    ) -> Any:
        """``op()`` (sync or async) under retry and tolerance.

        Returns its result, or ``SKIP`` if the failure was tolerated. ``executing`` is
        the object (or class) running the stage — a converter, transform, task or
        client — named in the DLQ's ``class.name`` header; ``where`` describes the
        data when there is no single record (a batch given to ``put``); pass a
        callable to build it only on failure.
        """
        started = time.monotonic()
        attempt = 0
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
                failure = Failure(stage, class_name(executing or op), exc)
                # a retriable failure cut short by a stop is never tolerated: the
                # record is not dead-lettered or skipped, the next run retries it
                interrupted = is_retriable(exc) and self._stopping()
                delay = None if interrupted else self._retry_delay(exc, started, attempt)
                if delay is None:
                    return await self._failed(failure, record, where, interrupted)
                self.counters["retries"] += 1
                log.warning(
                    "retrying",
                    stage=stage.value,
                    attempt=attempt,
                    delay_s=round(delay, 3),
                    error=f"{type(exc).__name__}: {exc}",
                )
                if not await self._sleep(delay):
                    return await self._failed(failure, record, where, interrupted=True)

    def _retry_delay(self, exc: BaseException, started: float, attempt: int) -> float | None:
        """Seconds to wait before retrying, or None when the failure is final."""
        timeout_ms = self.settings.retry_timeout_ms
        if not is_retriable(exc) or timeout_ms == 0:
            return None
        delay = backoff(attempt, self.settings.retry_delay_max_ms / 1000)
        if timeout_ms < 0:
            return delay
        remaining = timeout_ms / 1000 - (time.monotonic() - started)
        if remaining <= 0:
            return None
        # the last attempt happens at the deadline, not a whole backoff before it
        return min(delay, remaining)

    async def _failed(
        self,
        failure: Failure,
        record: ConnectRecord | None,
        where: str | Callable[[], str] | None,
        interrupted: bool = False,
    ) -> _Skip:
        self.counters["records_failed"] += 1
        exc, stage = failure.error, failure.stage
        place = (where() if callable(where) else where) or describe(record)
        tolerated = (
            self.tolerates_all and stage in TOLERABLE and record is not None and not interrupted
        )
        if self.settings.log_enable or not tolerated:
            fields: dict[str, Any] = {
                "stage": stage.value,
                "class_name": failure.class_name,
                "record": place,
                "tolerated": tolerated,
            }
            if self.settings.log_include_messages and record is not None:
                fields.update(_payload(record))
            log.error("record failed", error=f"{type(exc).__name__}: {exc}", **fields)
        if not tolerated:
            stopped = " (stopped while retrying)" if interrupted else ""
            raise TaskFailure(
                f"{stage.value} failed for {place} in {failure.class_name}{stopped}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        if self.dead_letter is not None and isinstance(record, SinkRecord):
            await self.dead_letter(record, failure)
            self.counters["records_sent_to_dlq"] += 1
        self.counters["records_skipped"] += 1
        return SKIP


async def _sleep(seconds: float) -> bool:
    await asyncio.sleep(seconds)
    return True


def _payload(record: ConnectRecord) -> dict[str, str]:
    """Key and value for the log (raw bytes when the record has them), truncated."""
    if isinstance(record, SinkRecord):
        key, value = record.raw_key, record.raw_value
    else:
        key, value = record.key, record.value
    return {
        "key": repr(key)[:LOGGED_PAYLOAD_CHARS],
        "value": repr(value)[:LOGGED_PAYLOAD_CHARS],
    }
