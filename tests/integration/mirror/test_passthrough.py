"""Batch pass-through: record batches reach the target undecoded, records equal byte for byte."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka import TopicPartition as KafkaTP

from connect.herder.standalone import StandaloneHerder
from connectors.kafka_mirror.batches import split
from connectors.kafka_mirror.passthrough import RawFetcher
from tests.helpers.kafka import consume, create_topic
from tests.helpers.wait import wait_until
from tests.integration.mirror.conftest import flow, mirrored, worker_config

pytestmark = pytest.mark.kafka

CODECS = ("none", "gzip", "snappy", "lz4", "zstd")
PARTITIONS = 3


async def _produce(bootstrap: str, topic: str, count: int, codec: str, base_ts: int) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        linger_ms=20,
        max_batch_size=16 * 1024,  # several batches per partition
        compression_type=None if codec == "none" else codec,
    )
    await producer.start()
    try:
        futures = [
            await producer.send(
                topic,
                key=None if i % 17 == 0 else b"k%d" % i,
                value=None if i % 17 == 5 else b"value %d " % i * (1 + i % 5),
                partition=i % PARTITIONS,
                timestamp_ms=base_ts + i,
                headers=[("n", b"%d" % i), ("empty", None)] if i % 3 else [],
            )
            for i in range(count)
        ]
        for f in futures:
            await f
    finally:
        await producer.stop()


def _row(m: Any) -> tuple[Any, ...]:
    return (m.partition, m.offset, m.key, m.value, m.timestamp, list(m.headers))


async def _batches(
    bootstrap: str, topic: str, partitions: int = PARTITIONS
) -> dict[int, list[bytes]]:
    """Every batch of ``topic`` from byte 21 on (attributes..records: what the CRC covers)."""
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        fetcher = RawFetcher(
            consumer._client,
            read_committed=False,
            max_wait_ms=50,
            max_bytes=64 * 1024 * 1024,
            partition_max_bytes=16 * 1024 * 1024,
        )
        positions = {KafkaTP(topic, p): 0 for p in range(partitions)}
        out: dict[int, list[bytes]] = {p: [] for p in range(partitions)}
        for _ in range(50):
            fetched, _ = await fetcher.fetch(positions)
            progressed = False
            for f in fetched:
                for h in split(f.data):
                    if h.base_offset >= positions[f.tp]:
                        out[f.tp.partition].append(f.data[h.start + 21 : h.start + h.size])
                        positions[f.tp] = h.next_offset
                        progressed = True
            if not progressed:
                break
        return out
    finally:
        await consumer.stop()


def _path(herder: StandaloneHerder, name: str) -> str:
    return json.dumps(herder.status(name))


@pytest.mark.parametrize("codec", CODECS)
async def test_records_and_batches_identical_per_codec(
    clusters: tuple[str, str], unique: str, codec: str
) -> None:
    a, b = clusters
    topic = f"pt-{codec}-{unique}"
    count = 3_000
    await create_topic(a, topic, PARTITIONS)
    await _produce(a, topic, count, codec, int(time.time() * 1000) - 60_000)
    source = await consume(a, topic, count)
    assert len(source) == count
    name = f"pt-{codec}-{unique}"
    config = flow(
        a,
        b,
        topics=topic,
        **{
            "mirror.passthrough": True,
            "compression.type": codec,
            "mirror.passthrough.coalesce.bytes": 0,  # every batch as it came
        },
    )
    async with StandaloneHerder.running(worker_config(a), [{"name": name, "config": config}]) as h:
        got = await mirrored(b, f"a.{topic}", count)
        await wait_until(
            lambda: "copy path: batch pass-through" in _path(h, name),
            timeout=10,
            message="pass-through in the task status",
        )
    assert len(got) == count
    assert sorted(map(_row, got)) == sorted(map(_row, source))
    # and the batches themselves: the same bytes (CRC included) in the same order
    assert await _batches(b, f"a.{topic}") == await _batches(a, topic)


async def test_small_plain_batches_are_joined_and_their_records_kept(
    clusters: tuple[str, str], unique: str
) -> None:
    a, b = clusters
    topic = f"pt-join-{unique}"
    count = 3_000
    await create_topic(a, topic, PARTITIONS)
    await _produce(a, topic, count, "none", int(time.time() * 1000) - 60_000)
    source = await consume(a, topic, count)
    limit = 64 * 1024
    config = flow(
        a,
        b,
        topics=topic,
        **{"mirror.passthrough": True, "mirror.passthrough.coalesce.bytes": limit},
    )
    async with StandaloneHerder.running(worker_config(a), [{"name": topic, "config": config}]):
        got = await mirrored(b, f"a.{topic}", count)
    # every record once, at its own offset, key, value, headers and timestamp unchanged
    assert sorted(map(_row, got)) == sorted(map(_row, source))
    before, after = await _batches(a, topic), await _batches(b, f"a.{topic}")
    for p in range(PARTITIONS):
        # 16 KB source batches, joined into fewer, larger ones of at most ``limit`` bytes
        assert len(after[p]) < len(before[p])
        assert max(map(len, after[p])) > max(map(len, before[p]))
        assert all(len(batch) + 21 <= limit for batch in after[p])


async def test_compressed_batches_stay_compressed_without_compression_type(
    clusters: tuple[str, str], unique: str
) -> None:
    a, b = clusters
    topic = f"pt-keep-{unique}"
    count = 2_000
    await create_topic(a, topic, PARTITIONS)
    await _produce(a, topic, count, "zstd", int(time.time() * 1000) - 60_000)
    source = await consume(a, topic, count)
    config = flow(a, b, topics=topic, **{"mirror.passthrough": True})
    async with StandaloneHerder.running(worker_config(a), [{"name": topic, "config": config}]):
        got = await mirrored(b, f"a.{topic}", count)
    assert sorted(map(_row, got)) == sorted(map(_row, source))
    target = await _batches(b, f"a.{topic}")
    assert target == await _batches(a, topic)  # still zstd, the same bytes
    assert all(batch[1] & 0x07 == 4 for part in target.values() for batch in part)


async def test_other_target_compression_takes_the_record_path(
    clusters: tuple[str, str], unique: str
) -> None:
    a, b = clusters
    topic = f"pt-mixed-{unique}"
    count = 1_000
    await create_topic(a, topic, PARTITIONS)
    await _produce(a, topic, count, "gzip", int(time.time() * 1000) - 60_000)
    source = await consume(a, topic, count)
    config = flow(a, b, topics=topic, **{"mirror.passthrough": True, "compression.type": "lz4"})
    async with StandaloneHerder.running(worker_config(a), [{"name": topic, "config": config}]):
        got = await mirrored(b, f"a.{topic}", count)
    assert sorted(map(_row, got)) == sorted(map(_row, source))
    target = await _batches(b, f"a.{topic}")
    codecs = {bytes_[0:2] for part in target.values() for bytes_ in part}
    assert all(int.from_bytes(c, "big") & 0x07 == 3 for c in codecs)  # rebuilt as lz4


async def test_passthrough_off_reports_the_record_path(
    clusters: tuple[str, str], unique: str
) -> None:
    a, b = clusters
    topic = f"pt-off-{unique}"
    await create_topic(a, topic, PARTITIONS)
    await _produce(a, topic, 10, "none", int(time.time() * 1000))
    config = flow(a, b, topics=topic, **{"mirror.passthrough": False})
    async with StandaloneHerder.running(worker_config(a), [{"name": topic, "config": config}]) as h:
        await mirrored(b, f"a.{topic}", 10)
        await wait_until(
            lambda: "copy path: records (mirror.passthrough=false)" in _path(h, topic),
            timeout=10,
            message="record path in the task status",
        )
