"""kill -9 of a worker copying record batches undecoded: nothing lost, duplicates bounded."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

from tests.helpers.kafka import consume, create_topic
from tests.helpers.process import WorkerProcess
from tests.helpers.wait import wait_until
from tests.system.test_mirror_kill import (
    _after_kill,
    _ends,
    _exists,
    mirror_worker_args,
)

pytestmark = [pytest.mark.kafka, pytest.mark.system]

N = 120_000
PARTITIONS = 3


async def _produce_small_batches(bootstrap: str, topic: str) -> None:
    # ~16 KB batches (a producer's default size): hundreds of batches to copy
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, max_batch_size=16384)
    await producer.start()
    try:
        futures = [
            await producer.send(topic, key=b"%d" % i, value=b"v" * 90, partition=i % PARTITIONS)
            for i in range(N)
        ]
        for f in futures:
            await f
    finally:
        await producer.stop()


async def test_kill_9_mid_passthrough_loses_nothing(
    kafka_bootstrap: str, kafka_target_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    a, b = kafka_bootstrap, kafka_target_bootstrap
    topic, name = f"ptk-{unique}", f"ptk-{unique}"
    remote = f"a.{topic}"
    await create_topic(a, topic, PARTITIONS)
    await _produce_small_batches(a, topic)
    args = mirror_worker_args(
        tmp_path,
        a,
        b,
        unique,
        name,
        topic,
        flush_ms=300,
        **{
            "mirror.passthrough": True,
            # small fetches (about one batch a partition) so the kill lands mid-stream
            "consumer.max.partition.fetch.bytes": 16 * 1024,
        },
    )
    first = WorkerProcess(args).start()
    try:
        first.wait_ready()

        async def partway() -> bool:
            ends = await _ends(b, remote) if await _exists(b, remote) else {}
            return N // 10 <= sum(ends.values()) < N

        await wait_until(partway, timeout=60, interval=0.02, message="mirror partway")
    finally:
        first.kill()
    at_kill, stored = await _after_kill(b, remote, name, f"offsets-{unique}", topic)
    assert sum(at_kill.values()) < N, "the kill came too late to test anything"

    with WorkerProcess(args) as second:
        second.wait_ready()
        expected_total = (
            sum(at_kill.values()) + N - sum(stored.get(p, 0) for p in range(PARTITIONS))
        )

        seen: dict[str, object] = {}

        async def done() -> bool:
            seen["ends"] = ends = await _ends(b, remote)
            return sum(ends.values()) >= expected_total

        try:
            await wait_until(done, timeout=90, interval=0.2, message="mirror complete")
        except TimeoutError as exc:
            raise AssertionError(
                f"at kill {at_kill}, stored {stored}, expected {expected_total}, now {seen}\n"
                + second.output[-3000:]
            ) from exc
        second.terminate()

        restarts = [line for line in second.output.splitlines() if "task failed" in line]
        restarts += [line for line in first.output.splitlines() if "task failed" in line]
    assert not restarts, restarts[:3]
    got = await consume(b, remote, expected_total, timeout=60)
    assert len(got) == expected_total
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
    print(f"pass-through kill -9: {duplicates} duplicates (window {window}) of {N} records")
