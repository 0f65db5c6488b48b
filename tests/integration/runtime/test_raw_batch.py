"""``RawRecordBatch`` through the real worker: the direct path and the expand fallback.

A source task hands over records already in bytes, one batch per partition, mixed
with a plain ``SourceRecord``. With bytes converters and no transforms they go into
producer batches as they are; with a transform they are expanded into SourceRecords
first, so the transform applies. Either way Kafka holds the same records (key, value,
headers, timestamp, partition) and the batch's ``source_offset`` is stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest

from connect.api import RawRecordBatch, SourceConnector, SourceRecord, SourceTask
from connect.herder.standalone import StandaloneHerder
from tests.helpers.kafka import consume, create_topic
from tests.helpers.wait import wait_until

pytestmark = pytest.mark.kafka

PER_PARTITION = 500
BASE_TS = 1_700_000_000_000


@dataclass
class Raw:
    """What a ``RawRecordBatch`` needs of a record (aiokafka's ConsumerRecord has more)."""

    key: bytes | None
    value: bytes | None
    timestamp: int | None
    headers: tuple[tuple[str, bytes | None], ...]


def raw_records(partition: int) -> list[Raw]:
    return [
        Raw(
            key=b"k%d" % i,
            value=None if i == 7 else b"p%d-%d" % (partition, i),
            timestamp=BASE_TS + i,
            headers=(("h", b"%d" % i), ("null", None)) if i % 3 == 0 else (),
        )
        for i in range(PER_PARTITION)
    ]


class RawTask(SourceTask):
    """Emits two raw batches and one SourceRecord once; remembers stored positions."""

    stored: ClassVar[dict[str, list[Any]]] = {}

    async def start(self, config: Mapping[str, Any]) -> None:
        self.topic = str(config["topic"])
        self.done = False
        self.stored[self.context.connector_name] = [
            self.context.offset({"p": p}) for p in (0, 1, "single")
        ]

    async def poll(self) -> list[SourceRecord | RawRecordBatch]:
        if self.done:
            return []
        self.done = True
        out: list[SourceRecord | RawRecordBatch] = [
            RawRecordBatch(self.topic, p, raw_records(p), {"p": p}, {"next": PER_PARTITION})
            for p in (0, 1)
        ]
        out.append(
            SourceRecord(self.topic, b"single", b"v", partition=2, source_partition={"p": "single"})
        )
        # a batch whose records were all filtered out still advances its position
        out.append(RawRecordBatch(self.topic, 0, [], {"p": 0}, {"next": PER_PARTITION + 5}))
        return out

    async def stop(self) -> None:
        return None


class RawSource(SourceConnector):
    def task_class(self) -> type[SourceTask]:
        return RawTask


def worker(bootstrap: str, unique: str) -> dict[str, Any]:
    return {
        "bootstrap.servers": bootstrap,
        "offset.storage.topic": f"offsets-{unique}",
        "offset.storage.partitions": 1,
        "offset.storage.replication.factor": 1,
        "offset.flush.interval.ms": 200,
    }


async def run_once(
    bootstrap: str, unique: str, name: str, config: dict[str, Any], topic: str | None = None
) -> None:
    """Run the task until ``topic`` holds its records (if given); stopping checkpoints."""
    RawTask.stored.pop(name, None)
    task = {"name": name, "config": {"connector.class": f"{__name__}:RawSource", **config}}
    async with StandaloneHerder.running(worker(bootstrap, unique), [task]) as herder:
        await herder.wait_for_state(name, "RUNNING")
        await wait_until(lambda: name in RawTask.stored, timeout=10, message="task started")
        if topic is not None:
            await check_topic(bootstrap, topic)


async def check_topic(bootstrap: str, topic: str) -> None:
    got = await consume(bootstrap, topic, 2 * PER_PARTITION + 1, timeout=30)
    by_partition: dict[int, list[Any]] = {0: [], 1: [], 2: []}
    for m in got:
        by_partition[m.partition].append(m)
    for p in (0, 1):
        expected = raw_records(p)
        assert [(m.key, m.value, m.timestamp, list(m.headers)) for m in by_partition[p]] == [
            (r.key, r.value, r.timestamp, list(r.headers)) for r in expected
        ]
    assert [(m.key, m.value) for m in by_partition[2]] == [(b"single", b"v")]


async def test_raw_batches_go_straight_into_producer_batches(
    kafka_bootstrap: str, unique: str
) -> None:
    topic, name = f"raw-{unique}", f"raw-{unique}"
    await create_topic(kafka_bootstrap, topic, partitions=3)
    config = {"topic": topic, "key.converter": "bytes", "value.converter": "bytes"}
    await run_once(kafka_bootstrap, unique, name, config, topic)
    # positions were stored: the next start sees them (the last batch's, for partition 0)
    await run_once(kafka_bootstrap, unique, name, config)
    assert RawTask.stored[name] == [
        {"next": PER_PARTITION + 5},
        {"next": PER_PARTITION},
        None,
    ]


async def test_raw_batches_are_expanded_for_transforms(kafka_bootstrap: str, unique: str) -> None:
    topic, routed, name = f"in-{unique}", f"routed-{unique}", f"rawx-{unique}"
    await create_topic(kafka_bootstrap, topic, partitions=3)
    await create_topic(kafka_bootstrap, routed, partitions=3)
    config = {
        "topic": topic,
        "key.converter": "bytes",
        "value.converter": "bytes",
        "transforms": "route",
        "transforms.route.type": "RegexRouter",
        "transforms.route.regex": "in-(.*)",
        "transforms.route.replacement": "routed-$1",
    }
    await run_once(kafka_bootstrap, unique, name, config, routed)
    assert await consume(kafka_bootstrap, topic, 1, timeout=1) == []
    await run_once(kafka_bootstrap, unique, name, config)
    assert RawTask.stored[name][:2] == [{"next": PER_PARTITION + 5}, {"next": PER_PARTITION}]
