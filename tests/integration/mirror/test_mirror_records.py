"""Records arrive on the target as they were: partition, order, key, value, headers, time."""

from __future__ import annotations

import time
from collections import defaultdict

import pytest

from connect.herder.standalone import StandaloneHerder
from tests.helpers.kafka import create_topic, produce
from tests.integration.mirror.conftest import flow, mirrored, worker_config

pytestmark = pytest.mark.kafka

COUNT = 100_000
PARTITIONS = 4


async def test_100k_records_identical_on_target(clusters: tuple[str, str], unique: str) -> None:
    a, b = clusters
    topic = f"big-{unique}"
    await create_topic(a, topic, PARTITIONS)
    base_ts = int(time.time() * 1000) - 3_600_000
    sent = await produce(
        a,
        topic,
        (
            {
                "key": f"k{i}".encode(),
                "value": f"value-{i}".encode() * 3,
                "partition": i % PARTITIONS,
                "timestamp_ms": base_ts + i,
                "headers": [("n", str(i).encode()), ("src", b"test")],
            }
            for i in range(COUNT)
        ),
    )
    assert sent == COUNT
    task = {"name": f"m-{unique}", "config": flow(a, b, topics=topic, **{"tasks.max": 2})}
    async with StandaloneHerder.running(worker_config(a), [task]) as _herder:
        got = await mirrored(b, f"a.{topic}", COUNT)
    assert len(got) == COUNT
    by_partition: dict[int, list[int]] = defaultdict(list)
    for m in got:
        i = int(m.key[1:])
        assert m.partition == i % PARTITIONS
        assert m.value == f"value-{i}".encode() * 3
        assert m.timestamp == base_ts + i
        assert list(m.headers) == [("n", str(i).encode()), ("src", b"test")]
        by_partition[m.partition].append(i)
    for p, ids in by_partition.items():
        assert ids == sorted(ids), f"partition {p} out of order"
        assert ids == list(range(p, COUNT, PARTITIONS))


CODECS = ("gzip", "snappy", "lz4", "zstd")


async def test_every_target_compression_copies_records_intact(
    clusters: tuple[str, str], unique: str
) -> None:
    """One flow per ``compression.type``, all in one worker: the records arrive as sent."""
    a, b = clusters
    count = 2_000
    value = b"compressible " * 20  # the codec must actually shrink and restore something
    for codec in CODECS:
        topic = f"{codec}-{unique}"
        await create_topic(a, topic, 2)
        await produce(
            a,
            topic,
            (
                {"key": b"%d" % i, "value": value + b"%d" % i, "partition": i % 2}
                for i in range(count)
            ),
        )
    tasks = [
        {
            "name": f"{codec}-{unique}",
            "config": flow(a, b, topics=f"{codec}-{unique}", **{"compression.type": codec}),
        }
        for codec in CODECS
    ]
    async with StandaloneHerder.running(worker_config(a), tasks):
        for codec in CODECS:
            got = await mirrored(b, f"a.{codec}-{unique}", count)
            assert sorted(int(m.key) for m in got) == list(range(count)), codec
            assert all(m.value == value + m.key for m in got), codec
            assert all(m.partition == int(m.key) % 2 for m in got), codec
