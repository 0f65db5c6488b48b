"""kill -9 of a worker restoring from S3 mid-restore, then a restart: nothing is missing.

With ``exactly.once.support=enabled`` (Apache Kafka) every record is there exactly once;
without it, the duplicates are exactly the records written after the last stored position.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from connect.herder.standalone import StandaloneHerder
from tests.fixtures.kafka import skip_on_tansu
from tests.fixtures.s3 import S3Server
from tests.helpers.kafka import consume, consume_all, create_topic, end_offsets, produce
from tests.helpers.process import WorkerProcess, write_task, write_worker_config
from tests.helpers.wait import wait_until
from tests.integration.s3.conftest import committed_all, worker_config
from tests.unit.s3.support import Bucket

pytestmark = [pytest.mark.system, pytest.mark.kafka]

PARTITIONS = 4
PER_PARTITION = 10_000
FLUSH_SIZE = 500
TOTAL = PARTITIONS * PER_PARTITION


def _record(i: int) -> dict[str, Any]:
    return {
        "key": b"%d" % i,
        "value": json.dumps({"i": i, "pad": "x" * 80}).encode(),
        "headers": [("i", b"%d" % i), ("bin", b"\xff\x00")],
        "timestamp_ms": 1_700_000_000_000 + i,
        "partition": i % PARTITIONS,
    }


async def _archive(bootstrap: str, bucket: Bucket, unique: str) -> str:
    topic = f"kr-{unique}"
    await create_topic(bootstrap, topic, PARTITIONS)
    await produce(bootstrap, topic, (_record(i) for i in range(TOTAL)))
    config = bucket.config(
        topics=topic,
        **{
            "store.envelope": True,
            "flush.size": FLUSH_SIZE,
            "key.converter": "bytes",
            "value.converter": "bytes",
        },
    )
    name = f"{unique}-sink"
    async with StandaloneHerder.running(
        worker_config(bootstrap), [{"name": name, "config": config}]
    ) as herder:
        await herder.wait_for_state(name, "RUNNING")

        async def done() -> bool:
            offsets = await committed_all(bootstrap, name, topic, PARTITIONS)
            return sum(max(o, 0) for o in offsets.values()) >= TOTAL

        await wait_until(done, timeout=90, interval=0.2, message="archived")
    return topic


async def _stored(bootstrap: str, offsets_topic: str, connector: str) -> dict[int, int]:
    """The next archived offset the worker stored per partition (last value wins)."""
    out: dict[int, int] = {}
    for m in await consume_all(bootstrap, offsets_topic):
        name, partition = json.loads(m.key)
        if name == connector and m.value is not None:
            out[int(partition["partition"])] = int(json.loads(m.value)["offset"])
    return out


async def _read_committed(bootstrap: str, topic: str) -> list[Any]:
    """Everything committed in ``topic`` (read_committed, up to the last stable offset)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, isolation_level="read_committed"
    )
    await consumer.start()
    out: list[Any] = []
    try:
        tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(timeout_ms=500, max_records=10_000)
            for msgs in batch.values():
                out.extend(msgs)
    finally:
        await consumer.stop()
    return out


def _run(
    tmp_path: Path, bootstrap: str, bucket: Bucket, unique: str, topic: str, exactly_once: bool
) -> tuple[dict[int, int], dict[int, int], str]:
    """Restore with a kill -9 partway; returns the target's ends at the kill, the stored
    positions then, and the target topic."""
    target = f"restored.{topic}"
    asyncio.run(create_topic(bootstrap, target, PARTITIONS))
    offsets_topic = f"offsets-{unique}"
    worker = write_worker_config(
        tmp_path / "worker.properties",
        bootstrap,
        offset_storage_topic=offsets_topic,
        offset_storage_replication_factor=1,
        offset_storage_partitions=1,
        offset_flush_interval_ms=500,
        listeners="none",
    )
    config = bucket.config(
        topics=topic,
        **{
            "connector.class": "s3-source",
            "store.envelope": True,
            "topic.rename.format": "restored.${topic}",
            "tasks.max": 2,
            # small batches so the kill lands mid-restore
            "s3.source.batch.records": 100,
        },
    )
    for key in ("consumer.override.session.timeout.ms", "consumer.override.heartbeat.interval.ms"):
        config.pop(key)
    if exactly_once:
        config["exactly.once.support"] = "enabled"
    name = f"{unique}-restore"
    task = write_task(tmp_path / "restore.json", name, config)
    args = ["standalone", str(worker), str(task), "--log-format", "json"]

    with WorkerProcess(args) as first:
        first.wait_ready()

        async def partway() -> bool:
            # some positions stored, so the restart resumes from them
            return sum((await _stored(bootstrap, offsets_topic, name)).values()) >= TOTAL // 10

        asyncio.run(wait_until(partway, timeout=90, interval=0.05, message="restore partway"))
        first.kill()
    at_kill = asyncio.run(end_offsets(bootstrap, target, PARTITIONS))
    stored = asyncio.run(_stored(bootstrap, offsets_topic, name))
    assert sum(stored.values()) < TOTAL, "the kill came too late to test anything"

    with WorkerProcess(args) as second:
        second.wait_ready()

        def completed() -> bool:  # one line per task
            return sum("s3 source completed" in line for line in second.lines) >= 2

        asyncio.run(wait_until(completed, timeout=120, interval=0.1, message="both completed"))
        assert second.terminate() == 0
    return at_kill, stored, target


def _by_partition(msgs: list[Any]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for m in sorted(msgs, key=lambda m: (m.partition, m.offset)):
        i = int(m.key)
        assert m.value == _record(i)["value"] and dict(m.headers)["i"] == m.key
        assert m.timestamp == _record(i)["timestamp_ms"]
        out[m.partition].append(i)
    return dict(out)


def test_kill_9_mid_restore_exactly_once(
    tmp_path: Path, kafka_bootstrap: str, s3_server: S3Server, unique: str, on_tansu: bool
) -> None:
    skip_on_tansu(on_tansu, "no transactional producer (exactly.once.support)")
    bucket = Bucket(s3_server)
    topic = asyncio.run(_archive(kafka_bootstrap, bucket, unique))
    _, _, target = _run(tmp_path, kafka_bootstrap, bucket, unique, topic, exactly_once=True)
    got = _by_partition(asyncio.run(_read_committed(kafka_bootstrap, target)))
    for p in range(PARTITIONS):
        assert got[p] == list(range(p, TOTAL, PARTITIONS)), f"partition {p}: each record once"


def test_kill_9_mid_restore_duplicates_bounded(
    tmp_path: Path, kafka_bootstrap: str, s3_server: S3Server, unique: str
) -> None:
    bucket = Bucket(s3_server)
    topic = asyncio.run(_archive(kafka_bootstrap, bucket, unique))
    at_kill, stored, target = _run(
        tmp_path, kafka_bootstrap, bucket, unique, topic, exactly_once=False
    )
    final = asyncio.run(end_offsets(kafka_bootstrap, target, PARTITIONS))
    got = _by_partition(asyncio.run(consume(kafka_bootstrap, target, sum(final.values()))))
    assert {p: len(got.get(p, [])) for p in range(PARTITIONS)} == final, "read back whole"
    duplicates = 0
    for p in range(PARTITIONS):
        source = list(range(p, TOTAL, PARTITIONS))
        # the restart resumed at a position stored at or after the one seen before the
        # kill (reading the offsets topic may lag), and at or before what Kafka had then
        resumed = source.index(got[p][at_kill[p]]) if len(got[p]) > at_kill[p] else TOTAL
        assert stored.get(p, 0) <= resumed <= at_kill[p], (p, stored, resumed, at_kill)
        assert got[p] == source[: at_kill[p]] + source[resumed:], f"partition {p}: none missing"
        duplicates += at_kill[p] - resumed
    print(f"kill -9 mid-restore: {duplicates} duplicates of {TOTAL} records (uncommitted window)")
