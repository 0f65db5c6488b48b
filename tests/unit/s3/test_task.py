"""The S3 sink task against moto's S3 server: keys, rotation, commit points, failures."""

from __future__ import annotations

import json
import time

import pytest

from connect.api import ConfigError, ConnectError, TopicPartition
from connectors.s3 import layout
from tests.unit.s3.conftest import StartTask
from tests.unit.s3.support import Bucket, rec, settled_put

TP0 = TopicPartition("t", 0)
TP1 = TopicPartition("t", 1)
MB = 1024 * 1024


async def test_flush_size_rotates_and_commits_only_complete_objects(
    bucket: Bucket, start_task: StartTask
) -> None:
    task = await start_task(**{"flush.size": 3})
    await settled_put(task, [rec(i, {"n": i}) for i in range(7)])
    assert bucket.object_keys() == [
        "topics/t/partition=0/t+0+0000000000.json",
        "topics/t/partition=0/t+0+0000000003.json",
    ]
    # offsets 6 is only in an open object: commit up to 6 (exclusive), not 7
    assert await task.pre_commit({TP0: 7}) == {TP0: 6}
    assert bucket.records("topics/t/partition=0/t+0+0000000003.json", bucket.config()) == [
        {"n": 3},
        {"n": 4},
        {"n": 5},
    ]
    meta = bucket.head("topics/t/partition=0/t+0+0000000003.json")["Metadata"]
    assert meta[layout.META_START] == "3" and meta[layout.META_END] == "5"
    assert meta[layout.META_COUNT] == "3" and meta[layout.META_BASE] == "3"
    assert task.context.commits_requested >= 1  # type: ignore[attr-defined]


async def test_nothing_committed_before_the_first_object(start_task: StartTask) -> None:
    task = await start_task(**{"flush.size": 100})
    await settled_put(task, [rec(i, i) for i in range(5)])
    assert await task.pre_commit({TP0: 5}) == {}


async def test_redelivered_batch_is_not_written_twice(
    bucket: Bucket, start_task: StartTask
) -> None:
    task = await start_task(**{"flush.size": 4})
    batch = [rec(i, i) for i in range(6)]
    await settled_put(task, batch)
    await settled_put(task, [*batch, rec(6, 6), rec(7, 7)])
    keys = bucket.object_keys()
    assert keys == [
        "topics/t/partition=0/t+0+0000000000.json",
        "topics/t/partition=0/t+0+0000000004.json",
    ]
    assert bucket.records(keys[1], bucket.config()) == [4, 5, 6, 7]


async def test_replay_from_commit_point_rewrites_the_same_keys(
    bucket: Bucket, start_task: StartTask
) -> None:
    options = {"flush.size": 5, "partitioner.class": "field", "partition.field.name": "k"}
    records = [rec(i, {"k": i % 2, "i": i}) for i in range(12)]
    first = await start_task(**options)
    await settled_put(first, records)
    committed = (await first.pre_commit({TP0: 12}))[TP0]
    assert committed == 10
    before = {k: bucket.body(k) for k in bucket.object_keys()}
    await first.stop()  # a crash: the open group (10, 11) is dropped
    second = await start_task(**options)
    # the consumer resumes at an earlier commit (say 5): same objects again
    await settled_put(second, [r for r in records if r.offset >= 5])
    after = {k: bucket.body(k) for k in bucket.object_keys()}
    assert after == before
    assert sorted(before) == [
        "topics/t/k=0/t+0+0000000000.json",
        "topics/t/k=0/t+0+0000000006.json",
        "topics/t/k=1/t+0+0000000001.json",
        "topics/t/k=1/t+0+0000000005.json",
    ]
    # every object of the second group knows where its group began
    assert bucket.head("topics/t/k=0/t+0+0000000006.json")["Metadata"][layout.META_BASE] == "5"


async def test_rotate_interval_uses_record_time(bucket: Bucket, start_task: StartTask) -> None:
    task = await start_task(**{"rotate.interval.ms": 1000, "flush.size": 1000})
    base = 1_700_000_000_000
    times = [0, 200, 999, 1000, 1500, 2100, 2200]
    await settled_put(task, [rec(i, i, ts=base + t) for i, t in enumerate(times)])
    assert [k.rsplit("/", 1)[1] for k in bucket.object_keys()] == [
        "t+0+0000000000.json",
        "t+0+0000000003.json",
    ]
    assert await task.pre_commit({TP0: 7}) == {TP0: 5}


async def test_schedule_rotation_flushes_idle_partitions(
    bucket: Bucket, start_task: StartTask, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = await start_task(**{"rotate.schedule.interval.ms": 60_000, "flush.size": 1000})
    await settled_put(task, [rec(0, "a"), rec(1, "b"), rec(0, "c", partition=1)])
    assert bucket.object_keys() == []
    # an hour later, with no new records at all, pre_commit writes both partitions' files
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 3600)
    assert await task.pre_commit({TP0: 2, TP1: 1}) == {TP0: 2, TP1: 1}
    assert bucket.object_keys() == [
        "topics/t/partition=0/t+0+0000000000.json",
        "topics/t/partition=1/t+1+0000000000.json",
    ]


async def test_time_partitioner_layout(bucket: Bucket, start_task: StartTask) -> None:
    task = await start_task(
        **{
            "partitioner.class": "time",
            "path.format": "'dt'=yyyy-MM-dd/'hr'=HH",
            "partition.duration.ms": 3_600_000,
            "flush.size": 4,
            "topics.dir": "archive/",
        }
    )
    hour = 3_600_000
    base = 1_700_000_000_000 - 1_700_000_000_000 % hour  # 2023-11-14T22:00Z
    await settled_put(task, [rec(i, i, ts=base + (i // 2) * hour) for i in range(4)])
    assert bucket.object_keys() == [
        "archive/t/dt=2023-11-14/hr=22/t+0+0000000000.json",
        "archive/t/dt=2023-11-14/hr=23/t+0+0000000002.json",
    ]


async def test_schema_change_rotates(bucket: Bucket, start_task: StartTask) -> None:
    task = await start_task(**{"format.class": "avro", "flush.size": 100})
    await settled_put(task, [rec(0, {"a": 1}), rec(1, {"a": 2}), rec(2, {"b": "x"})])
    assert [k.rsplit("/", 1)[1] for k in bucket.object_keys()] == ["t+0+0000000000.avro"]
    assert await task.pre_commit({TP0: 3}) == {TP0: 2}


async def test_multipart_gzip_object(bucket: Bucket, start_task: StartTask) -> None:
    import os

    task = await start_task(
        **{
            "s3.part.size": 5 * MB,
            "flush.size": 1200,
            "s3.compression.type": "gzip",
            "format.class": "bytes",
        }
    )
    # hex text gzips to about half: ~12 MB in, ~7 MB out, two parts
    values = [os.urandom(5 * 1024).hex().encode() for _ in range(1200)]
    await settled_put(task, [rec(i, v, raw_value=v) for i, v in enumerate(values)])
    keys = bucket.object_keys()
    assert keys == ["topics/t/partition=0/t+0+0000000000.bin.gz"]
    head = bucket.head(keys[0])
    assert head["ContentLength"] > 5 * MB
    assert "-" in head["ETag"]  # a multipart ETag
    assert layout.META_COUNT not in head["Metadata"]
    assert bucket.records(keys[0], bucket.config(**{"format.class": "bytes"})) == values
    assert task.account.total == 0


async def test_buffer_limit_flushes_the_largest_group(
    bucket: Bucket, start_task: StartTask
) -> None:
    task = await start_task(**{"s3.buffer.max.bytes": MB, "flush.size": 100_000})
    big = "x" * 1000
    await settled_put(task, [rec(i, big, partition=i % 2) for i in range(1500)])
    assert bucket.object_keys()  # something had to go out early
    assert task.account.total <= MB + 2000
    assert task.stats.rotations.get("s3.buffer.max.bytes", 0) >= 1


async def test_null_values(bucket: Bucket, start_task: StartTask) -> None:
    task = await start_task(**{"flush.size": 2, "behavior.on.null.values": "ignore"})
    await settled_put(task, [rec(0, None), rec(1, 1), rec(2, None), rec(3, 3)])
    assert [bucket.records(k, bucket.config()) for k in bucket.object_keys()] == [[1, 3]]
    assert await task.pre_commit({TP0: 4}) == {TP0: 4}
    failing = await start_task(**{"behavior.on.null.values": "fail"})
    with pytest.raises(ConnectError, match="null value"):
        await failing.put([rec(0, None)])


async def test_missing_bucket_fails_at_start(bucket: Bucket, start_task: StartTask) -> None:
    with pytest.raises(ConfigError, match=r"bucket 'no-such-bucket' .* does not exist"):
        await start_task(**{"s3.bucket.name": "no-such-bucket"})


async def test_denied_bucket_fails_at_start(bucket: Bucket, start_task: StartTask) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket.name}", f"arn:aws:s3:::{bucket.name}/*"],
            }
        ],
    }
    bucket.client.put_bucket_policy(Bucket=bucket.name, Policy=json.dumps(policy))
    with pytest.raises(ConfigError, match=f"access denied to bucket '{bucket.name}'"):
        await start_task()


async def test_unreachable_endpoint_is_named(bucket: Bucket, start_task: StartTask) -> None:
    from tests.helpers.net import free_port

    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ConnectError, match=url):
        await start_task(**{"store.url": url, "s3.part.retries": 1})


async def test_close_drops_open_objects(bucket: Bucket, start_task: StartTask) -> None:
    task = await start_task(**{"flush.size": 10})
    await settled_put(task, [rec(i, i) for i in range(3)])
    await task.close([TP0])
    assert await task.pre_commit({TP0: 3}) == {}
    assert bucket.object_keys() == []
    assert task.account.total == 0


async def test_failed_upload_commits_nothing_and_fails_the_task(
    bucket: Bucket, start_task: StartTask
) -> None:
    task = await start_task(**{"flush.size": 2})
    await settled_put(task, [rec(0, 0), rec(1, 1)])
    assert await task.pre_commit({TP0: 2}) == {TP0: 2}
    for key in bucket.object_keys():
        bucket.client.delete_object(Bucket=bucket.name, Key=key)
    bucket.client.delete_bucket(Bucket=bucket.name)  # every later upload fails
    with pytest.raises(ConnectError, match="NoSuchBucket"):
        await settled_put(task, [rec(2, 2), rec(3, 3), rec(4, 4)])
    with pytest.raises(ConnectError, match="NoSuchBucket"):
        await task.pre_commit({TP0: 5})
    with pytest.raises(ConnectError):
        await task.put([rec(5, 5)])
    assert task.writers[TP0].commit_point == 2


async def test_runs_keep_flush_size_nulls_and_redelivery(
    bucket: Bucket, start_task: StartTask
) -> None:
    options = {
        "flush.size": 1000,
        "behavior.on.null.values": "ignore",
        "value.converter": "json",
        "value.converter.schemas.enable": False,
    }
    task = await start_task(**options)
    records = [
        rec(i, None) if i in (5, 1500) else rec(i, {"n": i}, raw_value=b'{"n":%d}' % i)
        for i in range(2600)
    ]
    await settled_put(task, records[:1700])
    await settled_put(task, records[1200:])  # overlaps what was taken: skipped
    keys = bucket.object_keys()
    assert keys == [
        "topics/t/partition=0/t+0+0000000000.json",
        "topics/t/partition=0/t+0+0000001001.json",
    ]
    assert [d["n"] for d in bucket.records(keys[0], bucket.config())] == [
        i for i in range(1001) if i != 5
    ]
    assert [d["n"] for d in bucket.records(keys[1], bucket.config())] == [
        i for i in range(1001, 2002) if i != 1500
    ]
    assert await task.pre_commit({TP0: 2600}) == {TP0: 2002}
