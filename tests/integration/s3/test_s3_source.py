"""The S3 source through the real worker: topic → s3-sink → bucket → s3-source → topic.

Real parts: the broker of the suite (Tansu or Apache Kafka), moto's S3 server over HTTP,
the standalone herder running both connectors.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from connect.herder.standalone import StandaloneHerder
from tests.helpers.kafka import consume, create_topic, end_offsets, produce
from tests.helpers.wait import wait_until
from tests.integration.s3.conftest import committed_all, worker_config
from tests.unit.s3.support import Bucket

pytestmark = pytest.mark.kafka

BASE_TS = 1_700_000_000_000  # 2023-11-14T22:13:20Z
PARTITIONS = 4
HEADERS_NAMES = ("trace id", "ü/ß+=:,;", "")


def records(n: int, partitions: int = PARTITIONS) -> list[dict[str, Any]]:
    """Keys (some null), binary values (some null), binary and null headers, timestamps."""
    out = []
    for i in range(n):
        out.append(
            {
                "key": None if i % 9 == 4 and i % 11 != 5 else f"k{i}".encode(),
                "value": None if i % 11 == 5 else bytes([i % 256, 0, 255]) + f"v{i}".encode(),
                "headers": [
                    (HEADERS_NAMES[0], str(i).encode()),
                    (HEADERS_NAMES[1], b"\xfe\x00\x01"),
                    (HEADERS_NAMES[2], None),
                ],
                "timestamp_ms": BASE_TS + i * 1000,
                "partition": i % partitions,
            }
        )
    return out


def by_partition(msgs: list[Any]) -> dict[int, list[tuple[Any, ...]]]:
    """Per partition, in offset order: (key, value, headers, timestamp)."""
    out: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for m in sorted(msgs, key=lambda m: (m.partition, m.offset)):
        out[m.partition].append((m.key, m.value, tuple(m.headers), m.timestamp))
    return dict(out)


def sent_by_partition(sent: list[dict[str, Any]]) -> dict[int, list[tuple[Any, ...]]]:
    out: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for r in sent:
        out[r["partition"]].append((r["key"], r["value"], tuple(r["headers"]), r["timestamp_ms"]))
    return dict(out)


async def archive(
    bootstrap: str,
    bucket: Bucket,
    name: str,
    topic: str,
    sent: list[dict[str, Any]],
    options: dict[str, Any],
    partitions: int = PARTITIONS,
) -> None:
    """Produce ``sent`` to ``topic`` and run an s3-sink until all of it is committed."""
    await create_topic(bootstrap, topic, partitions)
    await produce(bootstrap, topic, sent)
    task = {"name": name, "config": bucket.config(topics=topic, **options)}
    async with StandaloneHerder.running(worker_config(bootstrap), [task]) as herder:
        await herder.wait_for_state(name, "RUNNING")

        async def done() -> bool:
            offsets = await committed_all(bootstrap, name, topic, partitions)
            return sum(max(o, 0) for o in offsets.values()) >= len(sent)

        await wait_until(done, timeout=60, interval=0.2, message="all offsets committed")


def source_config(bucket: Bucket, **options: Any) -> dict[str, Any]:
    config = bucket.config(**options)
    config["connector.class"] = "s3-source"
    for sink_only in (
        "consumer.override.session.timeout.ms",
        "consumer.override.heartbeat.interval.ms",
    ):
        config.pop(sink_only)
    return config


async def restore(
    bootstrap: str, name: str, config: dict[str, Any], target: str, want: int
) -> dict[str, Any]:
    """Run an s3-source until it reports completed and ``want`` records are in ``target``;
    returns its task status."""
    task = {"name": name, "config": config}
    async with StandaloneHerder.running(worker_config(bootstrap), [task]) as herder:
        await herder.wait_for_state(name, "RUNNING")

        def completed() -> dict[str, Any] | None:
            for t in herder.status(name)["tasks"]:
                if t["state"] == "FAILED":
                    raise AssertionError(t.get("trace"))
            tasks = herder.status(name)["tasks"]
            if tasks and all(str(t.get("message", "")).startswith("completed") for t in tasks):
                return dict(tasks[0])
            return None

        status = await wait_until(completed, timeout=60, interval=0.1, message="restore completed")
    ends = await end_offsets(bootstrap, target, PARTITIONS)
    assert sum(ends.values()) == want, ends
    return status


FORMATS = {
    "json": {"format.class": "json"},
    "avro": {"format.class": "avro"},
    "parquet": {"format.class": "parquet"},
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
async def test_round_trip_with_envelope_over_4_partitions(
    kafka_bootstrap: str, bucket: Bucket, unique: str, fmt: str
) -> None:
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    topic, n = f"src-{unique}", 200
    sent = records(n)
    options = {
        **FORMATS[fmt],
        "store.envelope": True,
        "flush.size": 10,
        "key.converter": "bytes",
        "value.converter": "bytes",
    }
    await archive(kafka_bootstrap, bucket, f"{unique}-sink", topic, sent, options)
    target = f"restored.{topic}"
    await create_topic(kafka_bootstrap, target, PARTITIONS)
    config = source_config(
        bucket,
        topics=topic,
        **FORMATS[fmt],
        **{"store.envelope": True, "tasks.max": 2},
        **{"topic.rename.format": "restored.${topic}"},
    )
    status = await restore(kafka_bootstrap, f"{unique}-src", config, target, n)
    assert "gap" not in status["message"] and "overlap" not in status["message"]
    got = await consume(kafka_bootstrap, target, n)
    assert by_partition(got) == sent_by_partition(sent)
