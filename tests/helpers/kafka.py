"""Small aiokafka helpers for tests: explicit topics, produce, consume."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from connect.offsets.kafka import read_to_end
from connectors.kafka_mirror.topics import await_leaders
from tests.fixtures.kafka import A_IS_APACHE

#: A consumer session timeout the broker accepts: Apache Kafka refuses less than its stock
#: group.min.session.timeout.ms (6 s); Tansu settles groups at session-timeout pace, so
#: shorter there (TANSU.md).
SESSION_MS = 6000 if A_IS_APACHE else 2000


KEEP_FOREVER = {"retention.ms": "-1"}


async def create_topic(
    bootstrap: str, name: str, partitions: int = 1, configs: dict[str, str] | None = None
) -> None:
    """Create ``name`` explicitly (Tansu would auto-create it with 4 partitions).

    Records are kept forever unless ``configs`` says otherwise: tests write fixed
    timestamps from 2023, and Apache Kafka's stock 7-day retention deletes such records
    at its next check (every 5 min), midway through whichever test is running then."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics(
            [
                NewTopic(
                    name,
                    num_partitions=partitions,
                    replication_factor=1,
                    topic_configs={**KEEP_FOREVER, **(configs or {})},
                )
            ]
        )
    except TopicAlreadyExistsError:
        pass
    else:
        await has_leaders(admin, name, partitions)
    finally:
        await admin.close()


async def has_leaders(admin: AIOKafkaAdminClient, name: str, partitions: int) -> None:
    """Wait until the broker's metadata has ``name`` with a leader for every partition:
    Apache Kafka answers CreateTopics before the topic reaches its metadata, and a page
    or a client looking then does not see it."""
    got = await await_leaders(admin, {name: partitions}, timeout=30)
    assert got.get(name) == partitions, f"topic {name} has no leaders after 30 s"


Rec = tuple[bytes | None, bytes | None] | dict[str, Any]


async def produce(bootstrap: str, topic: str, records: Iterable[Rec]) -> int:
    """Send records (``(key, value)`` or dicts of send() arguments); returns the count."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        linger_ms=20,
        max_batch_size=1024 * 1024,
        max_request_size=8 * 1024 * 1024,
    )
    await producer.start()
    futures = []
    try:
        for rec in records:
            kwargs = rec if isinstance(rec, dict) else {"key": rec[0], "value": rec[1]}
            futures.append(await producer.send(topic, **kwargs))
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return len(futures)


async def consume(
    bootstrap: str,
    topic: str,
    count: int,
    timeout: float = 30.0,
    partitions: Sequence[int] | None = None,
    distinct: bool = False,
) -> list[Any]:
    """Read ``count`` records from the start of ``topic`` (all partitions unless given);
    with ``distinct``, read until ``count`` different keys are seen (duplicates and all)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    out: list[Any] = []
    try:
        deadline = time.monotonic() + timeout
        parts = partitions
        while parts is None:
            # a topic still to be created (by a mirror, say) must not be read as one partition
            found = (await consumer._client.fetch_all_metadata()).partitions_for_topic(topic)
            if found or time.monotonic() >= deadline:
                parts = sorted(found or [0])
            else:
                await asyncio.sleep(0.2)
        tps = [TopicPartition(topic, p) for p in parts]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        keys: set[Any] = set()
        while (len(keys) if distinct else len(out)) < count and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=200, max_records=10_000)
            for msgs in batch.values():
                out.extend(msgs)
                if distinct:
                    keys.update(m.key for m in msgs)
    finally:
        await consumer.stop()
    return out


async def consume_all(bootstrap: str, topic: str, timeout: float = 60.0) -> list[Any]:
    """Every record of ``topic`` (every partition, in order) up to its end as of this call;
    none when it does not exist. Unlike reading for a while, a large topic on a busy
    cluster is read whole."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        parts = (await consumer._client.fetch_all_metadata()).partitions_for_topic(topic)
        tps = [TopicPartition(topic, p) for p in sorted(parts or [])]
        return await asyncio.wait_for(read_to_end(consumer, tps), timeout) if tps else []
    finally:
        await consumer.stop()


async def committed(
    bootstrap: str, group: str, tps: Sequence[tuple[str, int]]
) -> dict[tuple[str, int], int | None]:
    """Committed offsets of ``group`` for ``tps``."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        return {tp: await consumer.committed(TopicPartition(*tp)) for tp in tps}
    finally:
        await consumer.stop()


async def end_offsets(bootstrap: str, topic: str, partitions: int) -> dict[int, int]:
    """The true end offset of each partition (read to the end: Tansu's ListOffsets is low)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        await read_to_end(consumer, tps)
        return {tp.partition: await consumer.position(tp) for tp in tps}
    finally:
        await consumer.stop()
