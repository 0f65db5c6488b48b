"""S3 → Kafka through the s3-source connector, beside a raw pipeline from the same run.

The bucket holds what an ``s3-sink`` with ``store.envelope=true``, ``format.class=json``
and bytes converters writes: objects of 10,000 records of 1 KB (key, value, two headers,
timestamp), on 4 partitions.

- ``raw_pipeline``: boto3 gets each object, each line is parsed (``json.loads``, base64
  of the value) and appended to aiokafka producer batches for its partition (the
  cheapest way aiokafka produces), every send acknowledged; no positions kept;
- ``smart_connect``: a running standalone worker is given an ``s3-source`` task (one task);
  timed from its creation until it reports ``completed`` and the worker has stopped, i.e.
  every record is acknowledged and its position stored.

Each case runs in its own process with a fresh Tansu broker and its own moto S3 server
process, alternated ``--repeat`` times (best of each kept).
``python -m benchmarks s3_source [--scale 1.0] [--repeat 2]``; target: ratio >= 0.8.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import subprocess
import sys
import time
from typing import Any

from benchmarks.common import emit, fresh_broker, machine, peak_rss_mb, rates, run_case
from benchmarks.s3_sink import BUCKET, CREDENTIALS, _s3, moto_server

TOPIC = "bench-restore"
TARGET = "restored.bench-restore"
PARTITIONS = 4
PER_OBJECT = 10_000
SIZE = 1024


def _object(partition: int, start: int) -> bytes:
    from connect.api import SinkRecord
    from connectors.s3.envelope import json_envelope

    lines = []
    for offset in range(start, start + PER_OBJECT):
        record = SinkRecord(
            TOPIC,
            b"key-%d" % offset,
            (b"%d:" % offset).ljust(SIZE, b"x"),
            (("trace", b"%d" % offset), ("bin", b"\xff\x00")),
            1_700_000_000_000 + offset,
            partition=partition,
            offset=offset,
        )
        lines.append(json.dumps(json_envelope(record), separators=(",", ":")))
    return ("\n".join(lines) + "\n").encode()


def _prepare(endpoint: str, objects: int) -> None:
    """Fill the bucket as the sink would (same keys, same envelope)."""
    from connectors.s3 import layout

    client = _s3(endpoint)
    for p in range(PARTITIONS):
        for n in range(objects):
            start = n * PER_OBJECT
            key = layout.object_key("topics/", TOPIC, f"partition={p}", p, start, "json")
            client.put_object(Bucket=BUCKET, Key=key, Body=_object(p, start))


async def _target(bootstrap: str) -> None:
    from connect.kafka import KafkaClients

    await KafkaClients({"bootstrap.servers": bootstrap}).ensure_topic(
        TARGET, partitions=PARTITIONS, replication_factor=1
    )


async def raw_pipeline(bootstrap: str, endpoint: str, records: int) -> float:
    from aiokafka import AIOKafkaProducer

    from connectors.s3 import layout

    await _target(bootstrap)
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        linger_ms=5,
        max_batch_size=512 * 1024,
        max_request_size=8 * 1024 * 1024,
    )
    started = time.perf_counter()
    client = await asyncio.to_thread(_s3, endpoint)
    await producer.start()
    futures: list[Any] = []
    try:
        listed = await asyncio.to_thread(
            lambda: [
                o["Key"]
                for page in client.get_paginator("list_objects_v2").paginate(
                    Bucket=BUCKET, Prefix="topics/"
                )
                for o in page.get("Contents", [])
            ]
        )
        for key in sorted(listed):
            parsed = layout.parse_key(key)
            assert parsed is not None
            body = await asyncio.to_thread(
                lambda k=key: client.get_object(Bucket=BUCKET, Key=k)["Body"].read()
            )
            batch = producer.create_batch()
            for line in body.splitlines():
                doc = json.loads(line)
                value = base64.b64decode(doc["value_base64"])
                headers = [
                    (
                        h["key"],
                        h["value"].encode()
                        if "value" in h
                        else base64.b64decode(h["value_base64"]),
                    )
                    for h in doc["headers"]
                ]
                key = base64.b64decode(doc["key_base64"])
                args = {"key": key, "value": value, "timestamp": doc["timestamp"]}
                if batch.append(**args, headers=headers) is None:
                    futures.append(
                        await producer.send_batch(batch, TARGET, partition=parsed.partition)
                    )
                    batch = producer.create_batch()
                    batch.append(**args, headers=headers)
            futures.append(await producer.send_batch(batch, TARGET, partition=parsed.partition))
        await asyncio.gather(*futures)
    finally:
        elapsed = time.perf_counter() - started
        await producer.stop()
    return elapsed


async def smart_connect(bootstrap: str, endpoint: str, records: int) -> float:
    from connect.config import WorkerConfig
    from connect.herder.standalone import StandaloneHerder
    from connect.plugins import registry

    await _target(bootstrap)
    worker = WorkerConfig.model_validate(
        {
            "bootstrap.servers": bootstrap,
            "offset.flush.interval.ms": 1000,
            "offset.storage.replication.factor": 1,
            "listeners": "none",
        }
    )
    config = {
        "connector.class": "s3-source",
        "s3.bucket.name": BUCKET,
        "store.url": endpoint,
        "s3.path.style.access": True,
        "aws.access.key.id": CREDENTIALS["aws_access_key_id"],
        "aws.secret.access.key": CREDENTIALS["aws_secret_access_key"],
        "format.class": "json",
        "store.envelope": True,
        "topics": TOPIC,
        "topic.rename.format": "restored.${topic}",
    }
    async with StandaloneHerder.running(worker, [], registry=registry()) as herder:
        # timed from the task's creation, as benchmarks/s3_sink.py does: the worker's own
        # start (offsets topic) is not the restore's
        started = time.perf_counter()
        await herder.put_connector_config("bench", config, allow_replace=False)
        while True:
            tasks = herder.status("bench")["tasks"]
            if tasks and str(tasks[0].get("message", "")).startswith("completed"):
                break
            if tasks and tasks[0]["state"] == "FAILED":
                raise RuntimeError(tasks[0].get("trace"))
            await asyncio.sleep(0.01)
        runner = next(iter(herder.worker.tasks.values())).runner
        sent = getattr(runner, "records_sent", 0)
    elapsed = time.perf_counter() - started  # stopped: everything acknowledged and stored
    if sent != records:
        raise RuntimeError(f"restored {sent} records, expected {records}")
    return elapsed


CASES = {"raw": raw_pipeline, "connect": smart_connect}


def _case(args: dict[str, Any]) -> None:
    objects = args["objects"]
    records = objects * PER_OBJECT * PARTITIONS
    with fresh_broker() as bootstrap, moto_server() as endpoint:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.s3_source",
                "--prepare-json",
                json.dumps({"endpoint": endpoint, "objects": objects}),
            ],
            check=True,
        )
        elapsed = asyncio.run(CASES[args["case"]](bootstrap, endpoint, records))
    result = rates(records, SIZE, elapsed)
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="more or fewer objects")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each case (best kept)")
    parser.add_argument("--case-json")
    parser.add_argument("--prepare-json")
    ns = parser.parse_args()
    if ns.prepare_json:
        p = json.loads(ns.prepare_json)
        _prepare(p["endpoint"], p["objects"])
        return
    if ns.case_json:
        _case(json.loads(ns.case_json))
        return
    objects = max(1, round(4 * ns.scale))  # per partition
    raws, ours_all = [], []
    for _ in range(ns.repeat):  # alternated, best of each: the machine is shared and noisy
        raws.append(run_case("benchmarks.s3_source", case="raw", objects=objects))
        ours_all.append(run_case("benchmarks.s3_source", case="connect", objects=objects))
    raw = max(raws, key=lambda r: r["records_per_s"])
    ours = max(ours_all, key=lambda r: r["records_per_s"])
    emit(
        {
            "benchmark": "s3_source",
            "machine": machine(),
            "format": "json envelope, bytes converters",
            "record_size": SIZE,
            "records_per_object": PER_OBJECT,
            "partitions": PARTITIONS,
            "records": objects * PER_OBJECT * PARTITIONS,
            "raw_pipeline": raw,
            "smart_connect": ours,
            "ratio_to_raw_pipeline": round(ours["records_per_s"] / raw["records_per_s"], 3),
            "runs": {"raw_pipeline": raws, "smart_connect": ours_all},
        }
    )


if __name__ == "__main__":
    main()
