"""kill -9 of a mirroring worker mid-run, then a restart: nothing lost, duplicates bounded."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from tests.helpers.kafka import consume, consume_all, create_topic, end_offsets, produce
from tests.helpers.process import WorkerProcess, write_task, write_worker_config
from tests.helpers.wait import wait_until

pytestmark = [pytest.mark.kafka, pytest.mark.system]

N = 60_000
PARTITIONS = 3


async def _ends(bootstrap: str, topic: str) -> dict[int, int]:
    """True end offsets (a fetch's high watermark; exact on every broker)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, max_partition_fetch_bytes=1024)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(tps)
        approx = await consumer.end_offsets(tps)
        for tp in tps:
            consumer.seek(tp, max(0, approx[tp] - 1))
        out: dict[int, int] = {}
        while len(out) < PARTITIONS:
            await consumer.getmany(timeout_ms=200, max_records=1)
            out.update(
                {
                    tp.partition: consumer.highwater(tp)
                    for tp in tps
                    if consumer.highwater(tp) is not None
                }
            )
        return out
    finally:
        await consumer.stop()


async def _after_kill(
    bootstrap: str, topic: str, connector: str, offsets_topic: str, source_topic: str
) -> tuple[dict[int, int], dict[int, int]]:
    """End offsets of ``topic`` and the stored positions once a killed worker's last produce
    requests are in: the broker still appends a request it had received when the process
    died, records or positions (nothing to await but that both stop moving)."""

    async def now() -> tuple[dict[int, int], dict[int, int]]:
        ends = await _ends(bootstrap, topic)
        return ends, await end_offsets(bootstrap, offsets_topic, 1)

    seen = await now()
    while True:
        await asyncio.sleep(1.0)
        later = await now()
        if later == seen:
            stored = await _stored_positions(bootstrap, connector, offsets_topic, source_topic)
            return seen[0], stored
        seen = later


async def _stored_positions(
    bootstrap: str, connector: str, topic: str, source_topic: str
) -> dict[int, int]:
    """The positions in ``source_topic`` the worker stored in the test's own offsets topic,
    read whole (a lagging read would expect records the restart rightly does not copy
    again). Only that topic's: the mirror also copies every heartbeats topic it finds."""
    out: dict[int, int] = {}
    for m in await consume_all(bootstrap, topic):
        name, partition = json.loads(m.key)
        if name == connector and partition.get("topic") == source_topic and m.value is not None:
            out[int(partition["partition"])] = int(json.loads(m.value)["offset"])
    return out


def mirror_worker_args(
    tmp_path: Path,
    a: str,
    b: str,
    unique: str,
    name: str,
    topic: str,
    flush_ms: int,
    **task: Any,
) -> list[str]:
    """``standalone`` arguments for one mirror-source task a → b, positions stored in the
    test's own offsets topic (``offsets-<unique>``, read by ``_stored_positions``)."""
    worker = write_worker_config(
        tmp_path / "worker.properties",
        a,
        offset_storage_topic=f"offsets-{unique}",
        offset_storage_replication_factor=1,
        offset_storage_partitions=1,
        offset_flush_interval_ms=flush_ms,
    )
    config = {
        "connector.class": "mirror-source",
        "source.cluster.alias": "a",
        "target.cluster.alias": "b",
        "source.cluster.bootstrap.servers": a,
        "target.cluster.bootstrap.servers": b,
        "topics": topic,
        "replication.factor": 1,
        "offset-syncs.topic.replication.factor": 1,
        **task,
    }
    task_file = write_task(tmp_path / "mirror.json", name, config)
    return ["standalone", str(worker), str(task_file), "--log-format", "json"]


async def test_kill_9_mid_run_loses_nothing(
    kafka_bootstrap: str, kafka_target_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    a, b = kafka_bootstrap, kafka_target_bootstrap
    topic, name = f"kill-{unique}", f"mirror-{unique}"
    remote = f"a.{topic}"
    await create_topic(a, topic, PARTITIONS)
    await produce(
        a,
        topic,
        ({"key": b"%d" % i, "value": b"v" * 90, "partition": i % PARTITIONS} for i in range(N)),
    )
    args = mirror_worker_args(
        tmp_path,
        a,
        b,
        unique,
        name,
        topic,
        flush_ms=500,
        # the record path (pass-through has test_passthrough_kill), in small polls so the
        # kill lands mid-stream
        **{"consumer.max.poll.records": 500, "mirror.passthrough": False},
    )
    first = WorkerProcess(args).start()
    try:
        first.wait_ready()

        async def partway() -> bool:
            ends = await _ends(b, remote) if await _exists(b, remote) else {}
            return N // 10 <= sum(ends.values()) < N

        await wait_until(partway, timeout=60, interval=0.05, message="mirror partway")
    finally:
        first.kill()
    at_kill, stored = await _after_kill(b, remote, name, f"offsets-{unique}", topic)
    assert sum(at_kill.values()) < N, "the kill came too late to test anything"

    with WorkerProcess(args) as second:
        second.wait_ready()
        expected_total = (
            sum(at_kill.values()) + N - sum(stored.get(p, 0) for p in range(PARTITIONS))
        )

        async def done() -> bool:
            return sum((await _ends(b, remote)).values()) >= expected_total

        await wait_until(done, timeout=90, interval=0.2, message="mirror complete")
        second.terminate()

    got = await consume(b, remote, expected_total, timeout=60)
    by_partition: dict[int, list[int]] = defaultdict(list)
    for m in got:
        by_partition[m.partition].append(int(m.key))
    duplicates = len(got) - len({k for ids in by_partition.values() for k in ids})
    for p in range(PARTITIONS):
        source = list(range(p, N, PARTITIONS))
        s = stored.get(p, 0)
        # what was written before the kill, then a resume from the stored position
        assert by_partition[p] == source[: at_kill[p]] + source[s:], f"partition {p}"
        assert s <= at_kill[p]
    window = sum(at_kill[p] - stored.get(p, 0) for p in range(PARTITIONS))
    assert duplicates == window  # exactly the records written after the last checkpoint
    print(f"kill -9: {duplicates} duplicates (uncheckpointed window {window}) of {N} records")


async def _exists(bootstrap: str, topic: str) -> bool:
    from tests.integration.mirror.conftest import topics_on

    return topic in await topics_on(bootstrap)
