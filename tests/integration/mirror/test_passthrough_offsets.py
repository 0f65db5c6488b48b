"""Pass-through: exact offset syncs, aborted transactions left out, exactly-once unchanged."""

from __future__ import annotations

import json

import pytest
from aiokafka import AIOKafkaProducer

from connect.herder.standalone import StandaloneHerder
from connectors.kafka_mirror.policy import offset_syncs_topic
from connectors.kafka_mirror.syncs import OffsetSync
from tests.fixtures.kafka import skip_on_tansu
from tests.helpers.kafka import consume, consume_all, create_topic, produce
from tests.helpers.wait import wait_until
from tests.integration.mirror.conftest import flow, mirrored, worker_config

pytestmark = pytest.mark.kafka

PARTITIONS = 3


async def _syncs(bootstrap: str, topic: str) -> list[OffsetSync]:
    got = await consume_all(bootstrap, offset_syncs_topic("b"))
    syncs = [OffsetSync.decode(m.key, m.value) for m in got]
    return [s for s in syncs if s is not None and s.topic == topic]


async def test_offset_syncs_land_on_the_same_record_with_other_writers(
    clusters: tuple[str, str], unique: str
) -> None:
    a, b = clusters
    topic, remote = f"pts-{unique}", f"a.pts-{unique}"
    count = 6_000
    await create_topic(a, topic, PARTITIONS)
    # another writer got to the remote topic first: target offsets differ from the source's
    await create_topic(b, remote, PARTITIONS)
    await produce(b, remote, ({"value": b"other", "partition": i % PARTITIONS} for i in range(31)))

    def batch(start: int) -> list[dict[str, object]]:
        return [
            {"key": b"%d" % i, "value": b"x" * 50, "partition": i % PARTITIONS}
            for i in range(start, start + count // 2)
        ]

    await produce(a, topic, batch(0))
    config = flow(a, b, topics=topic, **{"mirror.passthrough": True, "offset.lag.max": 500})
    name = f"pts-{unique}"
    async with StandaloneHerder.running(worker_config(a), [{"name": name, "config": config}]):
        await mirrored(b, remote, 31 + count // 2)
        await produce(a, topic, batch(count // 2))  # a second run of batches, later polls
        await mirrored(b, remote, 31 + count)

        async def synced() -> list[OffsetSync] | None:
            syncs = await _syncs(a, topic)
            ends = {s.partition: s.upstream for s in syncs}
            done = all(ends.get(p, -1) == count // PARTITIONS - 1 for p in range(PARTITIONS))
            return syncs if done else None

        syncs = await wait_until(synced, timeout=30, interval=0.3, message="final syncs")
    source = {(m.partition, m.offset): m.key for m in await consume(a, topic, count)}
    target = {(m.partition, m.offset): m.key for m in await consume(b, remote, 31 + count)}
    assert len(syncs) >= 2 * PARTITIONS  # a run of batches and a later one per partition
    for s in syncs:
        # each sync is exact: the downstream offset holds the upstream record
        assert target[(s.partition, s.downstream)] == source[(s.partition, s.upstream)], s
    finals = {s.partition for s in syncs if s.upstream == count // PARTITIONS - 1}
    assert finals == set(range(PARTITIONS))  # the newest copied record of every partition


async def test_aborted_transactions_are_not_copied(
    clusters: tuple[str, str], unique: str, either_on_tansu: bool
) -> None:
    skip_on_tansu(either_on_tansu, "no transactional producer (InitProducerId v0)")
    a, b = clusters
    topic = f"pta-{unique}"
    await create_topic(a, topic, PARTITIONS)
    producer = AIOKafkaProducer(bootstrap_servers=a, transactional_id=f"tx-{unique}")
    await producer.start()
    committed: set[bytes] = set()
    try:
        for txn in range(12):
            keys = [b"t%d-%d" % (txn, i) for i in range(60)]
            await producer.begin_transaction()
            for i, key in enumerate(keys):
                await producer.send(topic, key=key, value=b"v", partition=i % PARTITIONS)
            if txn % 3 == 1:
                await producer.abort_transaction()
            else:
                await producer.commit_transaction()
                committed.update(keys)
    finally:
        await producer.stop()
    await produce(a, topic, [{"key": b"plain", "value": b"v", "partition": 0}])
    committed.add(b"plain")
    config = flow(
        a,
        b,
        topics=topic,
        **{"mirror.passthrough": True, "consumer.isolation.level": "read_committed"},
    )
    name = f"pta-{unique}"
    async with StandaloneHerder.running(worker_config(a), [{"name": name, "config": config}]) as h:
        await mirrored(b, f"a.{topic}", len(committed))
        assert "copy path: batch pass-through" in json.dumps(h.status(name))
    # everything on the target, not just the first len(committed) records
    keys = [m.key for m in await consume_all(b, f"a.{topic}")]
    assert sorted(keys) == sorted(committed)


async def test_exactly_once_takes_the_record_path_and_copies_once(
    clusters: tuple[str, str], unique: str, either_on_tansu: bool
) -> None:
    skip_on_tansu(either_on_tansu, "no idempotent/transactional producer (InitProducerId v0)")
    a, b = clusters
    topic = f"pte-{unique}"
    await create_topic(a, topic, 2)
    await produce(a, topic, [(b"%d" % i, b"v") for i in range(2000)])
    config = flow(
        a, b, topics=topic, **{"exactly.once.support": "enabled", "mirror.passthrough": True}
    )
    name = f"pte-{unique}"
    async with StandaloneHerder.running(worker_config(a), [{"name": name, "config": config}]) as h:
        got = await mirrored(b, f"a.{topic}", 2000)
        assert "copy path: records (exactly.once.support)" in json.dumps(h.status(name))
    keys = [m.key for m in got]
    assert len(keys) == len(set(keys)) == 2000
