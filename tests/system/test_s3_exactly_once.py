"""kill -9 of a worker archiving to S3 mid-run, then a restart: every record exactly once,
and ``smart-connect s3 verify`` agrees (and notices a planted duplicate)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path

import pytest

from tests.fixtures.s3 import S3Server
from tests.helpers.kafka import committed, create_topic, produce
from tests.helpers.process import WorkerProcess, run_cli, write_task, write_worker_config
from tests.helpers.wait import wait_until
from tests.unit.s3.support import Bucket

pytestmark = [pytest.mark.system, pytest.mark.kafka]

PARTITIONS = 3
PER_PARTITION = 17_000  # 51,000 records in all
FLUSH_SIZE = 500
OBJECTS = PARTITIONS * PER_PARTITION // FLUSH_SIZE


def test_kill_9_then_restart_archives_each_record_once(
    tmp_path: Path, kafka_bootstrap: str, s3_server: S3Server, unique: str
) -> None:
    bucket = Bucket(s3_server)
    topic = f"eo-{unique}"
    asyncio.run(create_topic(kafka_bootstrap, topic, PARTITIONS))
    total = PARTITIONS * PER_PARTITION
    asyncio.run(
        produce(
            kafka_bootstrap,
            topic,
            (
                {
                    "key": f"k{i}".encode(),
                    "value": json.dumps({"i": i, "pad": "x" * 120}).encode(),
                    "partition": i % PARTITIONS,
                }
                for i in range(total)
            ),
        )
    )
    options = {
        "store.envelope": True,
        "flush.size": FLUSH_SIZE,
        "key.converter": "string",
        "value.converter": "json",
        "value.converter.schemas.enable": False,
    }
    worker = write_worker_config(
        tmp_path / "worker.properties",
        kafka_bootstrap,
        offset_storage_topic=f"offsets-{unique}",
        listeners="none",
    )
    task = write_task(tmp_path / "s3.json", unique, bucket.config(topics=topic, **options))
    args = ["standalone", str(worker), str(task), "--log-format", "json"]

    with WorkerProcess(args) as first:
        first.wait_ready()
        asyncio.run(
            wait_until(lambda: len(bucket.object_keys()) >= 10, timeout=60, message="10 objects")
        )
        first.kill()
    at_kill = len(bucket.object_keys())
    assert at_kill < OBJECTS, "the kill must land mid-run"

    group = f"connect-{unique}"
    tps = [(topic, p) for p in range(PARTITIONS)]

    async def finished() -> bool:
        offsets = await committed(kafka_bootstrap, group, tps)
        return all(offsets[tp] == PER_PARTITION for tp in tps)

    with WorkerProcess(args) as second:
        second.wait_ready()
        asyncio.run(wait_until(finished, timeout=120, interval=0.5, message="all committed"))
        assert second.terminate() == 0

    keys = bucket.object_keys()
    assert len(keys) == OBJECTS
    seen: Counter[tuple[int, int]] = Counter()
    for key in keys:
        for doc in bucket.records(key, bucket.config(**options)):
            seen[(doc["partition"], doc["offset"])] += 1
            i = doc["value"]["i"]
            assert doc["key"] == f"k{i}" and i % PARTITIONS == doc["partition"]
    expected = {(p, o) for p in range(PARTITIONS) for o in range(PER_PARTITION)}
    assert set(seen) == expected, "no gaps"
    assert max(seen.values()) == 1, "no duplicates"

    verify = run_cli("s3", "verify", str(task), "--worker", str(worker), "--json")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    report = json.loads(verify.stdout)
    assert report["ok"]
    assert [(p["partition"], p["committed"], p["records"]) for p in report["partitions"]] == [
        (p, PER_PARTITION, PER_PARTITION) for p in range(PARTITIONS)
    ]

    # a stray copy of an object under another start offset is an overlap: verify says so
    source = keys[1]
    stray = source.replace("+0000000500.", "+0000000499.")
    assert stray != source
    bucket.client.copy_object(
        Bucket=bucket.name,
        Key=stray,
        CopySource={"Bucket": bucket.name, "Key": source},
        Metadata={"kafka-base-offset": "499", "kafka-record-count": "500"},
        MetadataDirective="REPLACE",
    )
    verify = run_cli("s3", "verify", str(task), "--worker", str(worker))
    assert verify.returncode == 1, verify.stdout + verify.stderr
    assert "overlap" in verify.stdout
