"""ErrorHandler: retry with backoff up to the timeout, tolerance, DLQ hand-off, counters."""

from __future__ import annotations

import time
from typing import Any

import pytest
from structlog.testing import capture_logs

from connect.api import BackpressureError, DataError, RetriableError, SinkRecord, SourceRecord
from connect.converters.json import JsonConverter
from connect.errors import SKIP, ErrorHandler, ErrorSettings, Failure, Stage, TaskFailure
from connect.errors.operator import backoff, class_name

RECORD = SinkRecord(
    topic="orders",
    partition=2,
    offset=41,
    raw_key=b"k",
    raw_value=b"{not json",
    key=None,
    value=None,
)


class Flaky:
    """Raises ``error`` for the first ``failures`` calls, then returns ``"ok"``."""

    def __init__(self, failures: int, error: Exception | None = None) -> None:
        self.failures = failures
        self.error = error or RetriableError("target unavailable")
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "ok"


def handler(**settings: Any) -> ErrorHandler:
    return ErrorHandler(ErrorSettings(**{"retry_delay_max_ms": 10, **settings}))


def test_backoff_doubles_up_to_the_max() -> None:
    assert [backoff(n, 0.5) for n in range(1, 6)] == [0.1, 0.2, 0.4, 0.5, 0.5]


def test_class_name_is_fully_qualified() -> None:
    assert class_name(JsonConverter()) == "connect.converters.json.JsonConverter"
    assert class_name(JsonConverter) == "connect.converters.json.JsonConverter"
    assert class_name(ValueError()) == "ValueError"


async def test_sync_and_async_operations_return_their_result() -> None:
    errors = handler()

    async def coro() -> int:
        return 2

    assert await errors.run(Stage.TASK_POLL, lambda: 1) == 1
    assert await errors.run(Stage.TASK_POLL, coro) == 2
    assert errors.counters == dict.fromkeys(errors.counters, 0)


async def test_retriable_failure_is_retried_within_the_timeout() -> None:
    errors = handler(retry_timeout_ms=5_000)
    op = Flaky(3)
    assert await errors.run(Stage.TASK_PUT, op) == "ok"
    assert op.calls == 4
    assert errors.counters["retries"] == 3
    assert errors.counters["records_failed"] == 0


async def test_past_the_timeout_the_task_fails_with_the_cause() -> None:
    errors = handler(retry_timeout_ms=150, retry_delay_max_ms=20)
    op = Flaky(10_000)
    started = time.monotonic()
    with pytest.raises(TaskFailure) as info:
        await errors.run(Stage.TASK_PUT, op, executing=op, where="a batch of 3 records")
    elapsed = time.monotonic() - started
    # the last attempt happens at the deadline, not a whole backoff before it
    assert 0.15 <= elapsed < 1.0
    assert op.calls > 3
    message = str(info.value)
    assert "TASK_PUT failed for a batch of 3 records" in message
    assert "RetriableError: target unavailable" in message
    assert isinstance(info.value.__cause__, RetriableError)
    assert errors.counters["retries"] == op.calls - 1
    assert errors.counters["records_failed"] == 1


async def test_no_retries_by_default_and_forever_with_minus_one() -> None:
    with pytest.raises(TaskFailure):
        await handler().run(Stage.TASK_PUT, Flaky(1))
    errors = handler(retry_timeout_ms=-1, retry_delay_max_ms=1)
    assert await errors.run(Stage.TASK_PUT, Flaky(20)) == "ok"
    assert errors.counters["retries"] == 20


async def test_non_retriable_failures_are_not_retried() -> None:
    errors = handler(retry_timeout_ms=5_000)
    op = Flaky(1, DataError("bad"))
    with pytest.raises(TaskFailure):
        await errors.run(Stage.TASK_PUT, op)
    assert op.calls == 1
    assert errors.counters["retries"] == 0


async def test_stopping_ends_retries() -> None:
    errors = ErrorHandler(ErrorSettings(retry_timeout_ms=-1), stopping=lambda: True)
    with pytest.raises(TaskFailure):
        await errors.run(Stage.TASK_PUT, Flaky(5))


async def test_a_stop_during_the_backoff_fails_instead_of_skipping() -> None:
    sent: list[object] = []
    slept: list[float] = []

    async def dead_letter(record: SinkRecord, failure: Failure) -> None:
        sent.append(record)

    async def stop_begins(seconds: float) -> bool:
        slept.append(seconds)
        return False  # the runner's sleep returns False when stopping begins

    errors = ErrorHandler(
        ErrorSettings(tolerance="all", retry_timeout_ms=-1),
        dead_letter=dead_letter,
        sleep=stop_begins,
    )
    with pytest.raises(TaskFailure, match="stopped while retrying"):
        await errors.run(Stage.VALUE_CONVERTER, Flaky(5), RECORD)
    assert slept == [0.1]
    assert sent == []  # a record that might have succeeded is not dead-lettered
    assert errors.counters["records_skipped"] == 0


async def test_backpressure_is_not_handled_here() -> None:
    def slow() -> None:
        raise BackpressureError(retry_after=0.1)

    with pytest.raises(BackpressureError):
        await handler(retry_timeout_ms=-1, tolerance="all").run(Stage.TASK_PUT, slow)


async def test_tolerance_none_names_the_record_stage_and_class() -> None:
    converter = JsonConverter()
    with pytest.raises(TaskFailure) as info:
        await handler().run(
            Stage.VALUE_CONVERTER,
            lambda: converter.from_bytes("orders", b"{not json"),
            RECORD,
            executing=converter,
        )
    message = str(info.value)
    assert "VALUE_CONVERTER failed for topic=orders partition=2 offset=41" in message
    assert "connect.converters.json.JsonConverter" in message
    assert "DataError: not valid JSON" in message


async def test_tolerance_all_skips_counts_and_dead_letters() -> None:
    sent: list[tuple[SinkRecord, Failure]] = []

    async def dead_letter(record: SinkRecord, failure: Failure) -> None:
        sent.append((record, failure))

    errors = ErrorHandler(ErrorSettings(tolerance="all"), dead_letter=dead_letter)
    converter = JsonConverter()
    result = await errors.run(
        Stage.VALUE_CONVERTER,
        lambda: converter.from_bytes("orders", b"{not json"),
        RECORD,
        executing=converter,
    )
    assert result is SKIP
    [(record, failure)] = sent
    assert record is RECORD
    assert failure.stage is Stage.VALUE_CONVERTER
    assert failure.class_name == "connect.converters.json.JsonConverter"
    assert isinstance(failure.error, DataError)
    assert errors.counters == {
        "records_failed": 1,
        "records_skipped": 1,
        "retries": 0,
        "records_sent_to_dlq": 1,
    }


async def test_tolerance_all_still_fails_put_and_poll() -> None:
    errors = handler(tolerance="all")
    for stage in (Stage.TASK_PUT, Stage.TASK_POLL, Stage.KAFKA_PRODUCE, Stage.KAFKA_CONSUME):
        with pytest.raises(TaskFailure):
            await errors.run(stage, Flaky(1, DataError("bad")), RECORD)


async def test_source_records_are_skipped_without_a_dlq() -> None:
    record = SourceRecord(topic="t", value="v", source_partition={"f": "a"}, source_offset={"p": 3})
    errors = handler(tolerance="all")
    assert await errors.run(Stage.TRANSFORMATION, Flaky(1, DataError("x")), record) is SKIP
    assert errors.counters["records_skipped"] == 1
    assert errors.counters["records_sent_to_dlq"] == 0


async def test_payloads_are_logged_only_when_asked() -> None:
    secret_value = b'{"card": "4111-1111"'
    record = RECORD.with_(raw_value=secret_value)
    op = Flaky(1, DataError("bad"))
    with capture_logs() as quiet:
        await handler(tolerance="all", log_enable=True).run(Stage.VALUE_CONVERTER, op, record)
    [event] = [e for e in quiet if e["event"] == "record failed"]
    assert event["record"] == "topic=orders partition=2 offset=41"
    assert "4111" not in repr(quiet)

    op = Flaky(1, DataError("bad"))
    with capture_logs() as loud:
        await handler(tolerance="all", log_enable=True, log_include_messages=True).run(
            Stage.VALUE_CONVERTER, op, record
        )
    [event] = [e for e in loud if e["event"] == "record failed"]
    assert "4111" in event["value"]
    assert event["key"] == "b'k'"


async def test_tolerated_failures_are_silent_unless_logging_is_enabled() -> None:
    with capture_logs() as logs:
        await handler(tolerance="all").run(
            Stage.VALUE_CONVERTER, Flaky(1, DataError("bad")), RECORD
        )
    assert not [e for e in logs if e["event"] == "record failed"]
