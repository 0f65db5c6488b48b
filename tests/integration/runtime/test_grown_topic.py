"""A pinned partition the producer has not seen yet (the topic grew while it ran).

aiokafka only learns of new partitions at its periodic metadata refresh and refuses
them until then; ``knows_partition`` (called before every batch the source runner
sends) refreshes at once.
"""

from __future__ import annotations

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewPartitions

from connect.kafka import knows_partition
from tests.helpers.kafka import consume, create_topic, has_leaders
from tests.helpers.wait import wait_until

pytestmark = pytest.mark.kafka


async def grow(bootstrap: str, topic: str, partitions: int, on_tansu: bool) -> None:
    """Give ``topic`` more partitions (Tansu has no CreatePartitions: delete and recreate)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        if on_tansu:
            await admin.delete_topics([topic])
            await wait_until(lambda: _gone(admin, topic), timeout=10, message=f"{topic} deleted")
            await create_topic(bootstrap, topic, partitions)
        else:
            await admin.create_partitions({topic: NewPartitions(partitions)})
            # answered before the broker's metadata has them, as CreateTopics is
            await has_leaders(admin, topic, partitions)
    finally:
        await admin.close()


async def _gone(admin: AIOKafkaAdminClient, topic: str) -> bool:
    return topic not in await admin.list_topics()


async def test_a_new_partition_is_learned_before_sending(
    kafka_bootstrap: str, unique: str, on_tansu: bool
) -> None:
    topic = f"grown-{unique}"
    await create_topic(kafka_bootstrap, topic, 1)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        assert await producer.partitions_for(topic) == {0}
        await grow(kafka_bootstrap, topic, 3, on_tansu)
        assert 2 not in await producer.partitions_for(topic)  # stale: the case at hand
        await knows_partition(producer, topic, 2)
        batch = producer.create_batch()
        batch.append(key=b"k", value=b"on the new partition", timestamp=None)
        await (await producer.send_batch(batch, topic, partition=2))
    finally:
        await producer.stop()
    got = await consume(kafka_bootstrap, topic, 1, partitions=[2])
    assert [(m.partition, m.value) for m in got] == [(2, b"on the new partition")]
