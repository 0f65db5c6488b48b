"""Kafka → S3 through the s3-sink connector, against two baselines from the same run.

- ``aiokafka_consume``: aiokafka reads every record, nothing else;
- ``raw_pipeline``: aiokafka reads and boto3 uploads the same value bytes (newline
  separated) in 8 MB objects, no formatting, no offsets committed;
- ``smart_connect``: a standalone worker runs ``s3-sink`` (JSON lines, 8 MB objects)
  until the sink group committed every offset — i.e. every object is complete.

Records are JSON documents of 100 B and 1 KB on topics of 1 and 3 partitions; a last
case keeps 100 partitions open at once and reports peak RSS. Every case runs in its own
process with a fresh Tansu broker and its own moto S3 server process, so peak RSS is
the case's own. ``python -m benchmarks s3_sink [--scale 1.0]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

from benchmarks.common import emit, fresh_broker, machine, peak_rss_mb, rates, run_case

TOPIC = "bench-s3"
BUCKET = "bench"
OBJECT_BYTES = 8 * 1024 * 1024
CREDENTIALS = {"aws_access_key_id": "bench", "aws_secret_access_key": "bench"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """moto's S3 server in its own process (its CPU and memory are not ours)."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("moto server did not start")
            time.sleep(0.05)
        endpoint = f"http://127.0.0.1:{port}"
        _s3(endpoint).create_bucket(Bucket=BUCKET)
        yield endpoint
    finally:
        proc.kill()
        proc.wait()


def _s3(endpoint: str) -> Any:
    import boto3

    # a session of its own: the raw pipeline's client does not reuse the service model
    # the harness loaded (creating the bucket), the connector's cannot either
    session = boto3.session.Session()
    return session.client("s3", endpoint_url=endpoint, region_name="us-east-1", **CREDENTIALS)


def _value(i: int, size: int) -> bytes:
    head = f'{{"i":{i},"pad":"'
    return (head + "x" * max(0, size - len(head) - 2) + '"}').encode()


async def _prepare(bootstrap: str, records: int, size: int, partitions: int) -> None:
    """Create the topic and fill it (batched produce: the broker is not what we measure)."""
    from aiokafka import AIOKafkaProducer

    from connect.kafka import KafkaClients

    await KafkaClients({"bootstrap.servers": bootstrap}).ensure_topic(
        TOPIC, partitions=partitions, replication_factor=1
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        linger_ms=20,
        max_batch_size=1024 * 1024,
        max_request_size=8 * 1024 * 1024,
    )
    await producer.start()
    try:
        for chunk in range(0, records, 20_000):
            futures = [
                await producer.send(TOPIC, _value(i, size), partition=i % partitions)
                for i in range(chunk, min(records, chunk + 20_000))
            ]
            await asyncio.gather(*futures)
    finally:
        await producer.stop()


def _consumer(bootstrap: str) -> Any:
    from aiokafka import AIOKafkaConsumer

    return AIOKafkaConsumer(
        TOPIC,
        bootstrap_servers=bootstrap,
        group_id="bench-baseline",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=4 * 1024 * 1024,
        fetch_max_bytes=16 * 1024 * 1024,
        session_timeout_ms=2000,
        heartbeat_interval_ms=100,
    )


async def consume_only(bootstrap: str, endpoint: str, records: int, size: int) -> float:
    consumer = _consumer(bootstrap)
    started = time.perf_counter()
    await consumer.start()
    seen = 0
    try:
        while seen < records:
            batch = await consumer.getmany(timeout_ms=200, max_records=10_000)
            seen += sum(len(msgs) for msgs in batch.values())
    finally:
        elapsed = time.perf_counter() - started
        await consumer.stop()
    return elapsed


async def raw_pipeline(bootstrap: str, endpoint: str, records: int, size: int) -> float:
    consumer = _consumer(bootstrap)
    started = time.perf_counter()
    # timed like the connector's: it builds its client (and checks the bucket) first too
    client = await asyncio.to_thread(_s3, endpoint)
    await consumer.start()
    seen, part, buffer = 0, 0, bytearray()

    async def upload() -> None:
        nonlocal part, buffer
        body, buffer = bytes(buffer), bytearray()
        await asyncio.to_thread(client.put_object, Bucket=BUCKET, Key=f"raw/{part:06d}", Body=body)
        part += 1

    try:
        while seen < records:
            batch = await consumer.getmany(timeout_ms=200, max_records=10_000)
            for msgs in batch.values():
                for msg in msgs:
                    buffer += msg.value
                    buffer += b"\n"
                seen += len(msgs)
            if len(buffer) >= OBJECT_BYTES:
                await upload()
        if buffer:
            await upload()
    finally:
        elapsed = time.perf_counter() - started
        await consumer.stop()
    return elapsed


async def smart_connect(
    bootstrap: str, endpoint: str, records: int, size: int, **options: Any
) -> float:
    from connect.config import WorkerConfig
    from connect.herder.standalone import StandaloneHerder
    from connect.plugins import registry

    worker = WorkerConfig.model_validate(
        {
            "bootstrap.servers": bootstrap,
            "offset.flush.interval.ms": 1000,
            "offset.storage.replication.factor": 1,
            "listeners": "none",
        }
    )
    config = {
        "connector.class": "s3-sink",
        "topics": TOPIC,
        "key.converter": "bytes",
        "value.converter": "json",
        "value.converter.schemas.enable": False,
        "s3.bucket.name": BUCKET,
        "store.url": endpoint,
        "s3.path.style.access": True,
        "aws.access.key.id": CREDENTIALS["aws_access_key_id"],
        "aws.secret.access.key": CREDENTIALS["aws_secret_access_key"],
        "format.class": "json",
        "flush.size": max(1, OBJECT_BYTES // (size + 1)),
        # the same consumer settings as the baselines
        "consumer.override.session.timeout.ms": 2000,
        "consumer.override.heartbeat.interval.ms": 100,
        "consumer.override.max.partition.fetch.bytes": 4 * 1024 * 1024,
        "consumer.override.fetch.max.bytes": 16 * 1024 * 1024,
        **options,
    }
    async with StandaloneHerder.running(worker, [], registry=registry()) as herder:
        started = time.perf_counter()
        await herder.put_connector_config("bench", config, allow_replace=False)
        while True:
            sups = list(herder.worker.tasks.values())
            runner = sups[0].runner if sups else None
            done = sum(getattr(runner, "committed", {}).values()) if runner else 0
            if done >= records:
                break
            await asyncio.sleep(0.01)
        elapsed = time.perf_counter() - started
    return elapsed


CASES = {"consume": consume_only, "raw": raw_pipeline, "connect": smart_connect}


def _case(args: dict[str, Any]) -> None:
    fn = CASES[args["case"]]
    records, size, partitions = args["records"], args["size"], args["partitions"]
    with fresh_broker() as bootstrap, moto_server() as endpoint:
        # filled from another process: the case's peak RSS is its own work only
        prepare = {"bootstrap": bootstrap, "records": records, "size": size}
        subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.s3_sink",
                "--prepare-json",
                json.dumps({**prepare, "partitions": partitions}),
            ],
            check=True,
        )
        options = args.get("options", {})
        elapsed = asyncio.run(fn(bootstrap, endpoint, records, size, **options))
    result = rates(records, size, elapsed)
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))


def _records(size: int, partitions: int, scale: float) -> int:
    """A record count that fills whole 8 MB objects on every partition."""
    per_object = OBJECT_BYTES // (size + 1)
    objects = max(1, round((12 if size >= 1024 else 6) * scale / partitions))
    return per_object * objects * partitions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="more or fewer records")
    parser.add_argument("--case-json")
    parser.add_argument("--prepare-json")
    ns = parser.parse_args()
    if ns.prepare_json:
        p = json.loads(ns.prepare_json)
        asyncio.run(_prepare(p["bootstrap"], p["records"], p["size"], p["partitions"]))
        return
    if ns.case_json:
        _case(json.loads(ns.case_json))
        return
    results = []
    for size in (1024, 100):
        for partitions in (1, 3):
            records = _records(size, partitions, ns.scale)
            common = {"records": records, "size": size, "partitions": partitions}
            consume = run_case("benchmarks.s3_sink", case="consume", **common)
            raw = run_case("benchmarks.s3_sink", case="raw", **common)
            ours = run_case("benchmarks.s3_sink", case="connect", **common)
            results.append(
                {
                    "format": "json",
                    "record_size": size,
                    "partitions": partitions,
                    "records": records,
                    "aiokafka_consume": consume,
                    "raw_pipeline": raw,
                    "smart_connect": ours,
                    "ratio_to_raw_pipeline": round(ours["records_per_s"] / raw["records_per_s"], 3),
                    "ratio_to_consume": round(ours["records_per_s"] / consume["records_per_s"], 3),
                }
            )
    # memory: 100 partitions with objects open at once (no rotation before the end)
    many = 100
    records = int(50_000 * ns.scale) // many * many
    per_partition = records // many
    wide = run_case(
        "benchmarks.s3_sink",
        case="connect",
        records=records,
        size=1024,
        partitions=many,
        options={"flush.size": per_partition},
    )
    emit(
        {
            "benchmark": "s3_sink",
            "machine": machine(),
            "results": results,
            "open_partitions": {
                "partitions": many,
                "records": records,
                "record_size": 1024,
                "smart_connect": wide,
                "peak_rss_under_300_mb": wide["peak_rss_mb"] < 300,
            },
        }
    )


if __name__ == "__main__":
    main()
