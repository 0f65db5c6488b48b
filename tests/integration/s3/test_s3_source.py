"""The S3 source through the real worker: topic → s3-sink → bucket → s3-source → topic.

Real parts: the broker of the suite (Tansu or Apache Kafka), moto's S3 server over HTTP,
the standalone herder running both connectors.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import pytest

from connect.herder.standalone import StandaloneHerder
from tests.fixtures.s3 import S3Server
from tests.helpers.kafka import SESSION_MS, consume, create_topic, end_offsets, produce
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
    bootstrap: str,
    name: str,
    config: dict[str, Any],
    target: str,
    want: int,
    partitions: int = PARTITIONS,
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
    ends = await end_offsets(bootstrap, target, partitions)
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


def one_partition(n: int) -> list[dict[str, Any]]:
    return records(n, partitions=1)


async def archive_one(
    bootstrap: str, bucket: Bucket, unique: str, n: int = 40, **extra: Any
) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
    """``n`` records of a 1-partition topic archived as JSON envelopes of 10."""
    topic = f"one-{unique}"
    sent = one_partition(n)
    options = {
        "store.envelope": True,
        "flush.size": 10,
        "key.converter": "bytes",
        "value.converter": "bytes",
        **extra,
    }
    await archive(bootstrap, bucket, f"{unique}-sink", topic, sent, options, partitions=1)
    return topic, sent, options


async def test_time_range_restores_only_records_inside_it(
    kafka_bootstrap: str, bucket: Bucket, unique: str
) -> None:
    topic, sent, _ = await archive_one(kafka_bootstrap, bucket, unique)
    target = f"range.{topic}"
    await create_topic(kafka_bootstrap, target, 1)
    config = source_config(
        bucket,
        topics=topic,
        **{
            "store.envelope": True,
            "topic.rename.format": "range.${topic}",
            "restore.start.time": "2023-11-14T22:13:30Z",  # BASE_TS + 10 s, inclusive
            "restore.end.time": BASE_TS + 20_000,  # exclusive
        },
    )
    await restore(kafka_bootstrap, f"{unique}-src", config, target, 10, partitions=1)
    got = await consume(kafka_bootstrap, target, 10)
    assert by_partition(got) == sent_by_partition(sent[10:20])


async def test_gap_is_reported_and_the_rest_restored(
    kafka_bootstrap: str, bucket: Bucket, unique: str
) -> None:
    topic, sent, _ = await archive_one(kafka_bootstrap, bucket, unique)
    (deleted,) = [k for k in bucket.object_keys() if k.endswith("+0000000010.json")]
    bucket.client.delete_object(Bucket=bucket.name, Key=deleted)
    target = f"gap.{topic}"
    await create_topic(kafka_bootstrap, target, 1)
    config = source_config(
        bucket, topics=topic, **{"store.envelope": True, "topic.rename.format": "gap.${topic}"}
    )
    status = await restore(kafka_bootstrap, f"{unique}-src", config, target, 30, partitions=1)
    assert f"gap: {topic}-0 offsets 10..19 missing" in status["message"]
    got = await consume(kafka_bootstrap, target, 30)
    assert by_partition(got) == sent_by_partition(sent[:10] + sent[20:])


async def test_overlapping_objects_of_a_replay_are_restored_once(
    kafka_bootstrap: str, bucket: Bucket, unique: str
) -> None:
    topic, sent, options = await archive_one(kafka_bootstrap, bucket, unique)
    # a replay that cut other objects: 0-14 over 0-9, and 15-29 beside 10-19 and 20-29
    replay = {"name": f"{unique}-replay", "config": bucket.config(topics=topic, **options)}
    replay["config"]["flush.size"] = 15
    async with StandaloneHerder.running(worker_config(kafka_bootstrap), [replay]) as herder:
        await herder.wait_for_state(replay["name"], "RUNNING")

        async def replayed() -> bool:
            offsets = await committed_all(kafka_bootstrap, replay["name"], topic, 1)
            return offsets[0] >= 30

        await wait_until(replayed, timeout=60, interval=0.2, message="replay committed")
    starts = sorted(int(k.rsplit("+", 1)[1].split(".")[0]) for k in bucket.object_keys())
    assert starts == [0, 10, 15, 20, 30]
    target = f"ovl.{topic}"
    await create_topic(kafka_bootstrap, target, 1)
    config = source_config(
        bucket, topics=topic, **{"store.envelope": True, "topic.rename.format": "ovl.${topic}"}
    )
    status = await restore(kafka_bootstrap, f"{unique}-src", config, target, 40, partitions=1)
    assert "overlap" in status["message"] and "gap" not in status["message"]
    got = await consume(kafka_bootstrap, target, 40)
    assert by_partition(got) == sent_by_partition(sent)


async def test_too_few_target_partitions_refuse_to_start(
    kafka_bootstrap: str, bucket: Bucket, unique: str
) -> None:
    topic, sent = f"few-{unique}", records(40)
    options = {"store.envelope": True, "flush.size": 10, "value.converter": "bytes"}
    options["key.converter"] = "bytes"
    await archive(kafka_bootstrap, bucket, f"{unique}-sink", topic, sent, options)
    await create_topic(kafka_bootstrap, f"few.{topic}", 2)
    config = source_config(
        bucket, topics=topic, **{"store.envelope": True, "topic.rename.format": "few.${topic}"}
    )
    task = {"name": f"{unique}-src", "config": config}
    async with StandaloneHerder.running(worker_config(kafka_bootstrap), [task]) as herder:

        def failed() -> str | None:
            tasks = herder.status(task["name"])["tasks"]
            return str(tasks[0].get("trace")) if tasks and tasks[0]["state"] == "FAILED" else None

        trace = await wait_until(failed, timeout=30, message="task failed")
    last = trace.strip().splitlines()[-1]
    assert "has 2 partitions but" in last and "restore.partition=hash" in last, last


async def test_hash_partitioning_restores_into_fewer_partitions(
    kafka_bootstrap: str, bucket: Bucket, unique: str
) -> None:
    topic, sent = f"hash-{unique}", records(40)
    options = {"store.envelope": True, "flush.size": 10, "value.converter": "bytes"}
    options["key.converter"] = "bytes"
    await archive(kafka_bootstrap, bucket, f"{unique}-sink", topic, sent, options)
    target = f"hash.{topic}"
    await create_topic(kafka_bootstrap, target, 2)
    config = source_config(
        bucket,
        topics=topic,
        **{
            "store.envelope": True,
            "topic.rename.format": "hash.${topic}",
            "restore.partition": "hash",
        },
    )
    await restore(kafka_bootstrap, f"{unique}-src", config, target, 40, partitions=2)
    got = await consume(kafka_bootstrap, target, 40)
    assert sorted((m.key or b"", m.value or b"") for m in got) == sorted(
        (r["key"] or b"", r["value"] or b"") for r in sent
    )
    by_key: dict[bytes, set[int]] = defaultdict(set)
    for m in got:
        if m.key is not None:
            by_key[m.key].add(m.partition)
    assert all(len(parts) == 1 for parts in by_key.values())


@pytest.mark.parametrize("fmt", sorted(FORMATS))
async def test_json_converter_values_come_back_equal_as_json(
    kafka_bootstrap: str, bucket: Bucket, unique: str, fmt: str
) -> None:
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    topic = f"js-{unique}"
    docs = [
        {"id": i, "name": f"n{i}", "tags": ["a", "b"][: i % 3], "ok": i % 2 == 0} for i in range(20)
    ]
    sent = [
        {
            "key": f"k{i}".encode(),
            "value": json.dumps(d).encode(),
            "partition": 0,
            "timestamp_ms": BASE_TS + i,
        }
        for i, d in enumerate(docs)
    ]
    converters = {
        "key.converter": "string",
        "value.converter": "json",
        "value.converter.schemas.enable": False,
    }
    options = {**FORMATS[fmt], "store.envelope": True, "flush.size": 10, **converters}
    await archive(kafka_bootstrap, bucket, f"{unique}-sink", topic, sent, options, partitions=1)
    target = f"js.{topic}"
    await create_topic(kafka_bootstrap, target, 1)
    config = source_config(
        bucket,
        topics=topic,
        **FORMATS[fmt],
        **converters,
        **{"store.envelope": True, "topic.rename.format": "js.${topic}"},
    )
    await restore(kafka_bootstrap, f"{unique}-src", config, target, 20, partitions=1)
    got = sorted(await consume(kafka_bootstrap, target, 20), key=lambda m: m.offset)
    assert [m.key for m in got] == [r["key"] for r in sent]
    assert [json.loads(m.value) for m in got] == docs
    assert [m.timestamp for m in got] == [r["timestamp_ms"] for r in sent]


async def test_obs_style_task_restores_what_obs_sink_dumped(
    kafka_bootstrap: str, bucket: Bucket, unique: str
) -> None:
    topic = f"obs-{unique}"
    sent = [
        {
            "key": f"k{i}".encode(),
            "value": f"line {i}".encode(),
            "partition": i % 2,
            "timestamp_ms": BASE_TS + i * 60_000,
        }
        for i in range(40)
    ]
    huawei = {
        "obs_bucket_name": bucket.name,
        "obs_endpoint": bucket.server.endpoint_url,
        "access_key": "testing",
        "secret_key": "testing",
        "obs_path": f"dump-{unique}",
        "partition_format": "yyyy/MM/dd/HH",
        "record_delimiter": "\\n",
        "store_keys": True,
        "flush_size": 10,
        "s3.path.style.access": True,
    }
    sink = {
        "connector.class": "obs-sink",
        "topics": topic,
        **huawei,
        "consumer.override.session.timeout.ms": SESSION_MS,
        "consumer.override.heartbeat.interval.ms": 100,
    }
    await create_topic(kafka_bootstrap, topic, 2)
    await produce(kafka_bootstrap, topic, sent)
    task = {"name": f"{unique}-sink", "config": sink}
    async with StandaloneHerder.running(worker_config(kafka_bootstrap), [task]) as herder:
        await herder.wait_for_state(task["name"], "RUNNING")

        async def done() -> bool:
            offsets = await committed_all(kafka_bootstrap, task["name"], topic, 2)
            return sum(max(o, 0) for o in offsets.values()) >= 40

        await wait_until(done, timeout=60, interval=0.2, message="dumped")
    assert all(k.startswith(f"dump-{unique}/2023/") for k in bucket.object_keys())
    target = f"back.{topic}"
    await create_topic(kafka_bootstrap, target, 2)
    source = {
        "connector.class": "obs-source",
        "topics": topic,
        **huawei,
        "topic.rename.format": "back.${topic}",
    }
    await restore(kafka_bootstrap, f"{unique}-src", source, target, 40, partitions=2)
    got = await consume(kafka_bootstrap, target, 40)
    want = {p: [(r["key"], r["value"]) for r in sent if r["partition"] == p] for p in (0, 1)}
    assert {p: [(k, v) for k, v, _, _ in rows] for p, rows in by_partition(got).items()} == want


async def test_s3_outage_pauses_the_restore_and_loses_nothing(
    kafka_bootstrap: str, s3_server: S3Server, unique: str
) -> None:
    bucket = Bucket(s3_server)
    topic, n = f"out-{unique}", 4000
    sent = records(n)
    options = {
        "store.envelope": True,
        "flush.size": 50,
        "key.converter": "bytes",
        "value.converter": "bytes",
    }
    await archive(kafka_bootstrap, bucket, f"{unique}-sink", topic, sent, options)
    target = f"out.{topic}"
    await create_topic(kafka_bootstrap, target, PARTITIONS)
    config = source_config(
        bucket,
        topics=topic,
        **{
            "store.envelope": True,
            "topic.rename.format": "out.${topic}",
            "s3.source.batch.records": 10,
            "s3.retry.backoff.ms": 50,
            "s3.retry.max.backoff.ms": 200,
            "s3.connect.timeout.ms": 500,
        },
    )
    name = f"{unique}-src"
    task = {"name": name, "config": config}
    async with StandaloneHerder.running(worker_config(kafka_bootstrap), [task]) as herder:
        await herder.wait_for_state(name, "RUNNING")

        async def partway() -> bool:
            return sum((await end_offsets(kafka_bootstrap, target, PARTITIONS)).values()) >= 200

        await wait_until(partway, timeout=60, interval=0.02, message="restore partway")
        s3_server.stop()
        try:
            (sup,) = herder.worker.tasks.values()

            def paused() -> bool:
                runner = sup.runner
                return runner is not None and getattr(runner.task, "_backoff", 0) > 0

            await wait_until(paused, timeout=30, message="restore paused by the outage")
            restored_during = sum((await end_offsets(kafka_bootstrap, target, PARTITIONS)).values())
            assert restored_during < n, "the outage came too late to test anything"
        finally:
            s3_server.start()

        def completed() -> bool:
            tasks = herder.status(name)["tasks"]
            assert tasks[0]["state"] == "RUNNING", tasks[0].get("trace")
            return str(tasks[0].get("message", "")).startswith("completed")

        await wait_until(completed, timeout=60, interval=0.1, message="restore completed")
    ends = await end_offsets(kafka_bootstrap, target, PARTITIONS)
    assert sum(ends.values()) == n, "nothing lost, nothing twice"
    got = await consume(kafka_bootstrap, target, n)
    assert by_partition(got) == sent_by_partition(sent)
