"""``datagen``: deterministic synthetic records — count, rate, size, keys, partitions.

Record ``i`` is always the same: key ``key-<i % keys>`` and a value of about
``record.size`` bytes holding ``i``. Task ``t`` of ``n`` makes records ``t, t+n, ...``,
so a restarted task resumes from its stored sequence number without gaps.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field

from connect.api import ConnectorConfig, SourceConnector, SourceRecord, SourceTask


class DatagenConfig(ConnectorConfig):
    """Options of ``datagen``."""

    topic: str = Field(alias="kafka.topic", description="Topic to write to")
    count: int = Field(-1, alias="max.records", description="Records in all (-1: endless)")
    rate: float = Field(0, ge=0, description="Records per second per task (0: as fast as possible)")
    record_size: int = Field(100, ge=16, alias="record.size", description="Approximate value size")
    keys: int = Field(0, ge=0, description="Distinct keys (0: null keys)")
    partitions: int | None = Field(None, ge=1, description="Spread over N partitions (i % N)")
    value_format: Literal["json", "bytes"] = Field(
        "json", alias="value.format", description="json: a dict; bytes: raw bytes"
    )
    batch: int = Field(1000, ge=1, alias="batch.size", description="Records per poll")
    task_index: int = Field(0, alias="task.index")
    task_count: int = Field(1, alias="task.count")


def make_value(i: int, size: int, fmt: str) -> Any:
    """The value of record ``i``: deterministic, about ``size`` bytes when serialized."""
    if fmt == "bytes":
        head = b"%d:" % i
        return head + b"x" * max(0, size - len(head))
    pad = max(0, size - 30 - len(str(i)))
    return {"id": i, "payload": "x" * pad}


class DatagenTask(SourceTask):
    """Generates its share of the sequence, resuming from the stored ``seq``."""

    version = "0.1.0"

    async def start(self, config: Mapping[str, Any]) -> None:
        self.o = DatagenConfig.model_validate(dict(config))
        self.partition = {"datagen": self.context.connector_name, "task": self.o.task_index}
        stored = self.context.offset(self.partition)
        self.seq = int(stored["seq"]) if stored else self.o.task_index
        self._started = time.monotonic()
        self._made = 0

    async def poll(self) -> list[SourceRecord]:
        o = self.o
        n = o.batch
        if o.rate > 0:
            due = int((time.monotonic() - self._started) * o.rate) - self._made
            if due <= 0:
                await asyncio.sleep(min(1.0, 1 / o.rate))
                return []
            n = min(n, due)
        out = []
        for _ in range(n):
            i = self.seq
            if 0 <= o.count <= i:
                break
            self.seq += o.task_count
            out.append(
                SourceRecord(
                    topic=o.topic,
                    key=f"key-{i % o.keys}" if o.keys else None,
                    value=make_value(i, o.record_size, o.value_format),
                    partition=i % o.partitions if o.partitions else None,
                    source_partition=self.partition,
                    source_offset={"seq": self.seq},
                )
            )
        self._made += len(out)
        return out

    async def stop(self) -> None:
        return None


class DatagenConnector(SourceConnector):
    """Synthetic records, split over ``tasks.max`` tasks."""

    config_model = DatagenConfig
    version = "0.1.0"
    aliases = ("DatagenConnector",)

    def task_class(self) -> type[SourceTask]:
        return DatagenTask

    def task_configs(self, max_tasks: int) -> list[dict[str, Any]]:
        return [{**self.config, "task.index": i, "task.count": max_tasks} for i in range(max_tasks)]
