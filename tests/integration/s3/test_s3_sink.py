"""The S3 sink through the real worker, against Tansu and moto's S3 server over HTTP."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import pytest

from connect.herder.standalone import StandaloneHerder
from tests.fixtures.s3 import S3Server
from tests.helpers.kafka import SESSION_MS, create_topic, produce
from tests.helpers.wait import wait_until
from tests.integration.s3.conftest import committed_all, worker_config
from tests.unit.s3.support import Bucket

pytestmark = pytest.mark.kafka

TASKS_DIR = Path(__file__).resolve().parents[3] / "tasks"
BASE_TS = 1_700_000_000_000  # 2023-11-14T22:13:20Z


def _records(n: int) -> list[dict[str, Any]]:
    """Keys (some null), values (some null), headers (some null / binary), timestamps."""
    out = []
    for i in range(n):
        value = None if i % 7 == 3 else json.dumps({"id": i, "name": f"n{i}", "ok": i % 2 == 0})
        out.append(
            {
                "key": None if i % 5 == 4 and i % 7 != 3 else f"k{i}".encode(),
                "value": value.encode() if value is not None else None,
                "headers": [("i", str(i).encode()), ("bin", b"\xfe\x01"), ("none", None)],
                "timestamp_ms": BASE_TS + i * 1000,
            }
        )
    return out


async def _run_until_committed(
    bootstrap: str, name: str, topic: str, partitions: int, config: dict[str, Any], want: int
) -> None:
    task = {"name": name, "config": config}
    async with StandaloneHerder.running(worker_config(bootstrap), [task]) as herder:
        await herder.wait_for_state(name, "RUNNING")

        async def done() -> bool:
            offsets = await committed_all(bootstrap, name, topic, partitions)
            return sum(max(o, 0) for o in offsets.values()) >= want

        await wait_until(done, timeout=60, interval=0.2, message="all offsets committed")


def _task_failed(herder: StandaloneHerder, name: str) -> dict[str, Any] | None:
    status = herder.status(name)
    return status if status["tasks"] and status["tasks"][0]["state"] == "FAILED" else None


def _all_values(bucket: Bucket, options: dict[str, Any]) -> list[Any]:
    return [v for k in bucket.object_keys() for v in bucket.records(k, bucket.config(**options))]


FORMATS = {
    "json": {"format.class": "json"},
    "avro": {"format.class": "io.confluent.connect.s3.format.avro.AvroFormat"},
    "parquet": {"format.class": "parquet"},
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
async def test_round_trip_with_envelope(
    kafka_bootstrap: str, bucket: Bucket, unique: str, fmt: str
) -> None:
    topic, n = f"rt-{unique}", 40
    await create_topic(kafka_bootstrap, topic, 1)
    sent = _records(n)
    await produce(kafka_bootstrap, topic, sent)
    options = {
        **FORMATS[fmt],
        "store.envelope": True,
        "flush.size": 10,
        "key.converter": "string",
        "value.converter": "json",
        "value.converter.schemas.enable": False,
    }
    await _run_until_committed(
        kafka_bootstrap, unique, topic, 1, bucket.config(topics=topic, **options), n
    )
    ext = {"json": "json", "avro": "avro", "parquet": "parquet"}[fmt]
    assert bucket.object_keys() == [
        f"topics/{topic}/partition=0/{topic}+0+{i:010d}.{ext}" for i in range(0, n, 10)
    ]
    docs = _all_values(bucket, options)
    assert len(docs) == n
    for i, (doc, rec) in enumerate(zip(docs, sent, strict=True)):
        assert doc["topic"] == topic and doc["partition"] == 0 and doc["offset"] == i
        assert doc["timestamp"] == rec["timestamp_ms"]
        assert doc["key"] == (rec["key"].decode() if rec["key"] is not None else None)
        value = json.loads(rec["value"]) if rec["value"] is not None else None
        if fmt == "parquet" and value is not None:
            value = json.dumps(value, separators=(",", ":"))  # structures as JSON text
        assert doc["value"] == value
        if fmt == "json":
            assert doc["headers"] == [
                {"key": "i", "value": str(i)},
                {"key": "bin", "value_base64": base64.b64encode(b"\xfe\x01").decode()},
                {"key": "none", "value": None},
            ]
        else:
            assert doc["headers"] == [
                {"key": "i", "value": str(i).encode()},
                {"key": "bin", "value": b"\xfe\x01"},
                {"key": "none", "value": None},
            ]


async def test_round_trip_bytes_with_keys(
    kafka_bootstrap: str, bucket: Bucket, unique: str
) -> None:
    topic, n = f"raw-{unique}", 30
    await create_topic(kafka_bootstrap, topic, 1)
    sent = [(f"k{i}".encode(), f"line {i}".encode()) for i in range(n)]
    await produce(kafka_bootstrap, topic, sent)
    options = {
        "format.class": "bytes",
        "store.kafka.keys": True,
        "format.bytearray.key.separator": "\t",
        "flush.size": 15,
        "s3.compression.type": "gzip",
        "key.converter": "bytes",
        "value.converter": "bytes",
    }
    await _run_until_committed(
        kafka_bootstrap, unique, topic, 1, bucket.config(topics=topic, **options), n
    )
    keys = bucket.object_keys()
    assert [k.rsplit("/", 1)[1] for k in keys] == [
        f"{topic}+0+0000000000.bin.gz",
        f"{topic}+0+0000000015.bin.gz",
    ]
    assert _all_values(bucket, options) == [k + b"\t" + v for k, v in sent]


async def test_field_partitioner_and_flush_size_over_partitions(
    kafka_bootstrap: str, bucket: Bucket, unique: str
) -> None:
    topic = f"fp-{unique}"
    await create_topic(kafka_bootstrap, topic, 2)
    records = [
        {
            "value": json.dumps({"region": "eu" if i % 3 else "us", "i": i}).encode(),
            "partition": i % 2,
        }
        for i in range(24)
    ]
    await produce(kafka_bootstrap, topic, records)
    options = {
        "partitioner.class": "io.confluent.connect.storage.partitioner.FieldPartitioner",
        "partition.field.name": "region",
        "flush.size": 6,
        "value.converter": "json",
        "value.converter.schemas.enable": "false",
    }
    await _run_until_committed(
        kafka_bootstrap, unique, topic, 2, bucket.config(topics=topic, **options), 24
    )
    # per Kafka partition: 12 records, groups of 6 → 2 groups, each split by region
    keys = [k.split("/", 2)[2] for k in bucket.object_keys()]
    assert keys == [
        f"region=eu/{topic}+0+0000000001.json",
        f"region=eu/{topic}+0+0000000007.json",
        f"region=eu/{topic}+1+0000000000.json",
        f"region=eu/{topic}+1+0000000006.json",
        f"region=us/{topic}+0+0000000000.json",
        f"region=us/{topic}+0+0000000006.json",
        f"region=us/{topic}+1+0000000001.json",
        f"region=us/{topic}+1+0000000007.json",
    ]
    sizes = {
        k.split("/", 2)[2]: len(bucket.records(k, bucket.config())) for k in bucket.object_keys()
    }
    assert sum(sizes.values()) == 24
    assert (
        sizes[f"region=eu/{topic}+0+0000000001.json"] == 4
    )  # partition 0 offsets 1,2,4,5 (i=2,4,8,10)


async def test_time_partitioner_with_record_time_rotation(
    kafka_bootstrap: str, bucket: Bucket, unique: str
) -> None:
    topic = f"tp-{unique}"
    await create_topic(kafka_bootstrap, topic, 1)
    minute = 60_000
    start = BASE_TS - BASE_TS % 3_600_000  # 2023-11-14T22:00Z
    # minutes: 0,1,2 | 10,11 | 61,62 (next hour) | 75 → rotate.interval.ms 5 min
    minutes = [0, 1, 2, 10, 11, 61, 62, 75]
    await produce(
        kafka_bootstrap,
        topic,
        [{"value": f"v{m}".encode(), "timestamp_ms": start + m * minute} for m in minutes],
    )
    options = {
        "partitioner.class": "time",
        "path.format": "'dt'=yyyy-MM-dd/'hour'=HH",
        "partition.duration.ms": 3_600_000,
        "rotate.interval.ms": 5 * minute,
        "flush.size": 1000,
        "format.class": "bytes",
        "value.converter": "bytes",
    }
    task = {"name": unique, "config": bucket.config(topics=topic, **options)}
    async with StandaloneHerder.running(worker_config(kafka_bootstrap), [task]) as herder:
        await herder.wait_for_state(unique, "RUNNING")

        async def done() -> bool:
            return (await committed_all(kafka_bootstrap, unique, topic, 1))[0] == 7

        await wait_until(done, timeout=60, interval=0.2, message="offset 7 committed")
    keys = [k.split("/", 2)[2] for k in bucket.object_keys()]
    assert keys == [
        f"dt=2023-11-14/hour=22/{topic}+0+0000000000.bin",
        f"dt=2023-11-14/hour=22/{topic}+0+0000000003.bin",
        f"dt=2023-11-14/hour=23/{topic}+0+0000000005.bin",
    ]
    # the last record (minute 75) is in an open object: not committed, not visible
    bodies = [bucket.body(k) for k in bucket.object_keys()]
    assert bodies == [b"v0\nv1\nv2\n", b"v10\nv11\n", b"v61\nv62\n"]


async def test_schedule_rotation_flushes_an_idle_partition(
    kafka_bootstrap: str, bucket: Bucket, unique: str
) -> None:
    topic = f"sched-{unique}"
    await create_topic(kafka_bootstrap, topic, 2)
    await produce(kafka_bootstrap, topic, [{"value": b"only", "partition": 1}])
    options = {
        "rotate.schedule.interval.ms": 1000,
        "flush.size": 1000,
        "format.class": "bytes",
        "value.converter": "bytes",
    }
    await _run_until_committed(
        kafka_bootstrap, unique, topic, 2, bucket.config(topics=topic, **options), 1
    )
    assert [k.rsplit("/", 1)[1] for k in bucket.object_keys()] == [f"{topic}+1+0000000000.bin"]


async def test_missing_bucket_fails_the_task_naming_it(
    kafka_bootstrap: str, bucket: Bucket, unique: str
) -> None:
    topic = f"nb-{unique}"
    await create_topic(kafka_bootstrap, topic, 1)
    config = bucket.config(topics=topic, **{"s3.bucket.name": "missing-bucket"})
    task = {"name": unique, "config": config}
    async with StandaloneHerder.running(worker_config(kafka_bootstrap), [task]) as herder:
        status = await wait_until(lambda: _task_failed(herder, unique), timeout=30)
    trace = json.dumps(status)
    assert "missing-bucket" in trace and "does not exist" in trace


async def test_s3_down_commits_nothing_and_loses_nothing(
    kafka_bootstrap: str, s3_server: S3Server, bucket: Bucket, unique: str
) -> None:
    topic, per_batch = f"down-{unique}", 50
    await create_topic(kafka_bootstrap, topic, 1)
    options = {
        "flush.size": 10,
        "format.class": "bytes",
        "value.converter": "bytes",
        "s3.part.retries": 1,
        "s3.retry.backoff.ms": 50,
        "s3.connect.timeout.ms": 500,
    }
    task = {"name": unique, "config": bucket.config(topics=topic, **options)}
    await produce(kafka_bootstrap, topic, [(None, f"a{i}".encode()) for i in range(per_batch)])
    async with StandaloneHerder.running(worker_config(kafka_bootstrap), [task]) as herder:
        await herder.wait_for_state(unique, "RUNNING")

        async def committed_at(n: int) -> bool:
            return (await committed_all(kafka_bootstrap, unique, topic, 1))[0] == n

        await wait_until(lambda: committed_at(per_batch), timeout=30, message="first batch")
        s3_server.stop()
        try:
            await produce(
                kafka_bootstrap, topic, [(None, f"b{i}".encode()) for i in range(per_batch)]
            )
            # the task fails on its first upload and keeps failing at start while S3 is down
            await wait_until(lambda: _task_failed(herder, unique), timeout=30)
            failed_once = time.monotonic()
            await wait_until(
                lambda: (
                    herder.status(unique)["tasks"][0]["state"] == "FAILED"
                    and time.monotonic() - failed_once > 2
                ),
                timeout=30,
                message="a few failed restarts",
            )
            assert (await committed_all(kafka_bootstrap, unique, topic, 1))[0] == per_batch
        finally:
            s3_server.start()
        await wait_until(lambda: committed_at(2 * per_batch), timeout=60, message="second batch")
    values = [v for k in bucket.object_keys() for v in bucket.records(k, bucket.config(**options))]
    assert values == [f"a{i}".encode() for i in range(per_batch)] + [
        f"b{i}".encode() for i in range(per_batch)
    ]


async def test_huawei_obs_dump_task(kafka_bootstrap: str, bucket: Bucket, unique: str) -> None:
    spec = json.loads((TASKS_DIR / "obs-dump.json").read_text())
    topic = f"obs-{unique}"
    await create_topic(kafka_bootstrap, topic, 1)
    now = int(time.time() * 1000)
    await produce(
        kafka_bootstrap,
        topic,
        [
            {"key": f"k{i}".encode(), "value": f"msg {i}".encode(), "timestamp_ms": now}
            for i in range(5)
        ],
    )
    config = {
        **spec["config"],
        "topics": topic,
        "obs_bucket_name": bucket.name,
        "access_key": "testing",
        "secret_key": "testing",
        "deliver_time_interval": 1,
        # where the test's OBS is: not a Huawei key (their service knows its endpoint)
        "store.url": bucket.server.endpoint_url,
        "s3.path.style.access": True,
        "consumer.override.session.timeout.ms": SESSION_MS,
        "consumer.override.heartbeat.interval.ms": 100,
    }
    task = {"name": unique, "config": config}
    async with StandaloneHerder.running(worker_config(kafka_bootstrap), [task]) as herder:
        await herder.wait_for_state(unique, "RUNNING")

        async def done() -> bool:
            return (await committed_all(kafka_bootstrap, unique, topic, 1))[0] == 5

        await wait_until(done, timeout=30, interval=0.2, message="dumped")
    day = time.strftime("%Y/%m/%d", time.gmtime(now / 1000))
    (key,) = bucket.object_keys()
    assert key == f"{spec['config']['obs_path']}/{day}/{topic}+0+0000000000.txt"
    assert bucket.body(key) == b"".join(f"msg {i}\n".encode() for i in range(5))
