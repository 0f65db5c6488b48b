"""Consumer offsets carried over: checkpoints and group offsets synced on the target."""

from __future__ import annotations

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from connect.herder.standalone import StandaloneHerder
from connectors.kafka_mirror.syncs import Checkpoint
from tests.helpers.kafka import committed, consume, create_topic, produce
from tests.helpers.wait import wait_until
from tests.integration.mirror.conftest import flow, mirrored, worker_config

pytestmark = pytest.mark.kafka

PER_PARTITION = 1000
LAG_MAX = 100


async def commit_on(bootstrap: str, group: str, offsets: dict[TopicPartition, int]) -> None:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign(list(offsets))
        await consumer.commit(offsets)
    finally:
        await consumer.stop()


async def test_group_offsets_translate_without_skipping(
    clusters: tuple[str, str], unique: str
) -> None:
    a, b = clusters
    topic, group = f"off-{unique}", f"group-{unique}"
    await create_topic(a, topic, 2)
    for p in range(2):
        await produce(
            a,
            topic,
            ({"key": b"k", "value": b"%d" % i, "partition": p} for i in range(PER_PARTITION)),
        )
    # the group read part of each partition on the source and committed
    consumed = {TopicPartition(topic, 0): 437, TopicPartition(topic, 1): 781}
    await commit_on(a, group, consumed)

    mirror = flow(a, b, topics=topic, **{"offset.lag.max": LAG_MAX})
    checkpoint = {
        **flow(a, b, topics=topic),
        "connector.class": "mirror-checkpoint",
        "groups": group,
        "emit.checkpoints.interval.seconds": 0.5,
        "sync.group.offsets.enabled": True,
        "sync.group.offsets.interval.seconds": 0.5,
        "checkpoints.topic.replication.factor": 1,
    }
    tasks = [
        {"name": f"ms-{unique}", "config": mirror},
        {"name": f"mc-{unique}", "config": checkpoint},
    ]
    remote = [TopicPartition(f"a.{topic}", p) for p in range(2)]
    async with StandaloneHerder.running(worker_config(a), tasks):
        await mirrored(b, f"a.{topic}", 2 * PER_PARTITION)

        async def synced() -> dict[tuple[str, int], int | None] | None:
            got = await committed(b, group, [(tp.topic, tp.partition) for tp in remote])
            good = all(
                v is not None and v >= consumed[TopicPartition(topic, p)] - LAG_MAX
                for (_, p), v in got.items()
            )
            return got if good else None

        target_offsets = await wait_until(synced, timeout=30, interval=0.3, message="group synced")

    for (_, p), translated in target_offsets.items():
        upstream = consumed[TopicPartition(topic, p)]
        # the target topic holds the partition's records at the same offsets
        assert translated is not None
        assert translated <= upstream, "translated offset ahead: records would be skipped"
        assert upstream - translated <= LAG_MAX

    # a failed-over consumer of the group resumes there and sees every unread record
    consumer = AIOKafkaConsumer(
        bootstrap_servers=b, group_id=group, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        consumer.assign(remote)
        seen: dict[int, set[int]] = {0: set(), 1: set()}
        while sum(len(v) for v in seen.values()) < sum(
            PER_PARTITION - o for o in consumed.values()
        ):
            batch = await consumer.getmany(timeout_ms=1000)
            assert batch, "no more records on the target"
            for tp, msgs in batch.items():
                seen[tp.partition].update(int(m.value) for m in msgs)
    finally:
        await consumer.stop()
    for tp, upstream in consumed.items():
        assert set(range(upstream, PER_PARTITION)) <= seen[tp.partition]

    # the topic is shared by every flow from alias a (and earlier runs): ours only
    checkpoints = [
        Checkpoint.decode(m.key, m.value)
        for m in await consume(b, "a.checkpoints.internal", 10**6, timeout=3)
    ]
    mine = {(c.topic, c.partition) for c in checkpoints if c is not None and c.group == group}
    assert mine == {(f"a.{topic}", 0), (f"a.{topic}", 1)}
