"""Test-only plugins for the error-handling tests (``tests.plugins_errors:Class``).

- ``FlakySink``: a file sink whose target fails transiently — ``put`` of a non-empty
  batch raises ``RetriableError`` for the first ``fail.puts`` calls and/or during the
  first ``fail.seconds`` after start, then appends values as lines.
- ``FlakySource``: emits ``{"n": i}`` for i < ``count``; ``poll`` raises
  ``RetriableError`` for the first ``fail.polls`` calls, and every ``bad.every``-th
  value is a set, which no JSON converter can write (a VALUE_CONVERTER failure).
- ``RejectMarked``: a transform that raises ``DataError`` for values with
  ``"reject": true`` (a TRANSFORMATION-stage failure with a known class).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Mapping
from typing import IO, Any

from pydantic import Field

from connect.api import (
    ConnectorConfig,
    DataError,
    RetriableError,
    SinkConnector,
    SinkRecord,
    SinkTask,
    SourceConnector,
    SourceRecord,
    SourceTask,
    TopicPartition,
    Transformation,
)
from connect.api.transform import R


class FlakySinkConfig(ConnectorConfig):
    """Options of ``FlakySink``."""

    file: str = Field(description="Path of the file to append values to")
    fail_puts: int = Field(0, ge=0, alias="fail.puts", description="Fail this many puts")
    fail_seconds: float = Field(
        0.0, ge=0, alias="fail.seconds", description="Fail every put during this long"
    )


class FlakySinkTask(SinkTask):
    """Appends each value as a JSON line; ``fsync`` in ``flush`` (so before commit)."""

    version = "0.0.1"

    async def start(self, config: Mapping[str, Any]) -> None:
        self.options = FlakySinkConfig.model_validate(dict(config))
        self.started = time.monotonic()
        self.failed_puts = 0
        self._fh: IO[str] = await asyncio.to_thread(open, self.options.file, "a", encoding="utf-8")

    async def put(self, records: list[SinkRecord]) -> None:
        if not records:
            return
        failing_time = time.monotonic() - self.started < self.options.fail_seconds
        if failing_time or self.failed_puts < self.options.fail_puts:
            self.failed_puts += 1
            raise RetriableError(f"target unavailable (failed put #{self.failed_puts})")
        self._fh.write("".join(json.dumps(r.value) + "\n" for r in records))

    async def flush(self, offsets: Mapping[TopicPartition, int]) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())

    async def stop(self) -> None:
        fh = getattr(self, "_fh", None)
        if fh is not None:
            fh.close()


class FlakySink(SinkConnector):
    """A sink whose target is unavailable for a while."""

    config_model = FlakySinkConfig
    version = "0.0.1"

    def task_class(self) -> type[SinkTask]:
        return FlakySinkTask

    def task_configs(self, max_tasks: int) -> list[dict[str, Any]]:
        return [dict(self.config)]


class RejectMarked(Transformation):
    """Fails on values marked ``{"reject": true}``; passes everything else through."""

    version = "0.0.1"

    def apply(self, record: R) -> R | None:
        if isinstance(record.value, dict) and record.value.get("reject"):
            raise DataError(f"record {record.value.get('n')} is marked reject")
        return record


class FlakySourceConfig(ConnectorConfig):
    """Options of ``FlakySource``."""

    topic: str = Field(description="Topic to write to")
    count: int = Field(100, ge=0, description="Records to emit")
    fail_polls: int = Field(0, ge=0, alias="fail.polls", description="Fail this many polls")
    bad_every: int = Field(0, ge=0, alias="bad.every", description="Every n-th value is bad")


class FlakySourceTask(SourceTask):
    """Resumes from its stored offset; polls fail for a while."""

    version = "0.0.1"
    partition = {"source": "flaky"}

    async def start(self, config: Mapping[str, Any]) -> None:
        self.options = FlakySourceConfig.model_validate(dict(config))
        stored = self.context.offset(self.partition)
        self.next = int(stored["next"]) if stored else 0
        self.failed_polls = 0

    async def poll(self) -> list[SourceRecord]:
        if self.failed_polls < self.options.fail_polls:
            self.failed_polls += 1
            raise RetriableError(f"source unavailable (failed poll #{self.failed_polls})")
        records = []
        bad = self.options.bad_every
        for n in range(self.next, min(self.next + 50, self.options.count)):
            value: Any = {n} if bad and n % bad == bad - 1 else {"n": n}
            records.append(
                SourceRecord(
                    topic=self.options.topic,
                    value=value,
                    source_partition=self.partition,
                    source_offset={"next": n + 1},
                )
            )
        self.next += len(records)
        return records

    async def stop(self) -> None:
        pass


class FlakySource(SourceConnector):
    """A source whose origin is unavailable for a while and emits some bad values."""

    config_model = FlakySourceConfig
    version = "0.0.1"

    def task_class(self) -> type[SourceTask]:
        return FlakySourceTask
