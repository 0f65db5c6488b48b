"""Kafka → Kafka mirroring (``mirror-source`` in one worker process) between two brokers.

For each record size, on two fresh brokers, this measures in the same run:

- ``consume_only``: aiokafka reading the source topic (``getmany(max_records=10000)``);
- ``naive_mirror``: aiokafka ``getmany`` → one ``send()`` per record to the target, and
  its end-to-end latency at the same rate as the connector's (in its own process);
- ``smart_connect``: a ``smart-connect standalone`` process mirroring the same topic as
  configured by default (batch pass-through, small batches joined): records/s and MB/s
  from its first mirrored record to its last, time from process start to the first
  mirrored record, end-to-end latency p50/p99 at a fixed lower rate, the worker's peak
  RSS and CPU seconds per GB copied;
- ``smart_connect_record_path``: the same with ``mirror.passthrough=false`` (records
  decoded and re-batched).

``python -m benchmarks mirror [--sizes 100,1024] [--records-100 N] [--records-1024 N]``;
``--peer mm2``: side by side with Kafka's MirrorMaker 2 on Apache Kafka (``mirror_mm2``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from benchmarks.common import emit, fresh_broker, machine, rates

TOPIC = "bench"
LATENCY_TOPIC = "latency"
PARTITIONS = 3
LATENCY_SECONDS = 10.0


async def create_topic(bootstrap: str, name: str, partitions: int = PARTITIONS) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, partitions, 1)])
    finally:
        await admin.close()


async def fill(bootstrap: str, records: int, size: int) -> None:
    """Write the source topic in large batches (fast, and cheap for the broker to fetch)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, max_request_size=16 * 1024 * 1024)
    await producer.start()
    try:
        value = b"x" * size
        per_partition = records // PARTITIONS
        futures = []
        for p in range(PARTITIONS):
            batch = producer.create_batch()
            for i in range(per_partition):
                key = b"%d" % i
                if batch.append(key=key, value=value, timestamp=None) is None:
                    batch.close()
                    futures.append(await producer.send_batch(batch, TOPIC, partition=p))
                    batch = producer.create_batch()
                    batch.append(key=key, value=value, timestamp=None)
            batch.close()
            futures.append(await producer.send_batch(batch, TOPIC, partition=p))
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def consume_only(bootstrap: str, records: int, size: int) -> dict[str, Any]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(TOPIC, p) for p in range(PARTITIONS)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        seen = 0
        started = time.perf_counter()
        while seen < records:
            batch = await consumer.getmany(timeout_ms=1000, max_records=10_000)
            seen += sum(len(msgs) for msgs in batch.values())
        return rates(records, size, time.perf_counter() - started)
    finally:
        await consumer.stop()


def naive_producer(target: str) -> AIOKafkaProducer:
    """The naive mirror's producer: tuned like the connector's (big batches, 5 ms linger)."""
    return AIOKafkaProducer(
        bootstrap_servers=target,
        acks="all",
        linger_ms=5,
        max_batch_size=512 * 1024,
        max_request_size=16 * 1024 * 1024,
    )


async def naive_mirror(source: str, target: str, records: int, size: int) -> dict[str, Any]:
    await create_topic(target, "naive")
    consumer = AIOKafkaConsumer(bootstrap_servers=source, enable_auto_commit=False)
    producer = naive_producer(target)
    await consumer.start()
    await producer.start()
    try:
        tps = [TopicPartition(TOPIC, p) for p in range(PARTITIONS)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        seen = 0
        futures = []
        started = time.perf_counter()
        while seen < records:
            batch = await consumer.getmany(timeout_ms=1000, max_records=10_000)
            for tp, msgs in batch.items():
                for m in msgs:
                    futures.append(
                        await producer.send(
                            "naive",
                            m.value,
                            key=m.key,
                            partition=tp.partition,
                            timestamp_ms=m.timestamp,
                            headers=list(m.headers) or None,
                        )
                    )
                seen += len(msgs)
        await asyncio.gather(*futures)
        return rates(records, size, time.perf_counter() - started)
    finally:
        await producer.stop()
        await consumer.stop()


async def relay(source: str, target: str) -> None:
    """The naive mirror as a latency baseline: ``LATENCY_TOPIC`` → ``naive.<topic>``, forever.

    Same fetch wait, linger and batch size as the connector, so the difference is its own.
    """
    consumer = AIOKafkaConsumer(
        bootstrap_servers=source, enable_auto_commit=False, fetch_max_wait_ms=20
    )
    producer = naive_producer(target)
    await consumer.start()
    await producer.start()
    tps = [TopicPartition(LATENCY_TOPIC, p) for p in range(PARTITIONS)]
    consumer.assign(tps)
    await consumer.seek_to_beginning(*tps)
    print("ready", flush=True)
    while True:
        batch = await consumer.getmany(timeout_ms=1000, max_records=10_000)
        for tp, msgs in batch.items():
            for m in msgs:
                await producer.send(
                    f"naive.{LATENCY_TOPIC}", m.value, key=m.key, partition=tp.partition
                )


async def true_ends(bootstrap: str, topic: str) -> int:
    """Records in ``topic`` (fetch high watermarks: exact on every broker)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, max_partition_fetch_bytes=1024)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(tps)
        approx = await consumer.end_offsets(tps)
        out = {tp: 0 for tp in tps if approx[tp] == 0}
        for tp in tps:
            consumer.seek(tp, max(0, approx[tp] - 1))
        deadline = time.monotonic() + 5
        while len(out) < len(tps) and time.monotonic() < deadline:
            await consumer.getmany(timeout_ms=100, max_records=1)
            out.update(
                {tp: consumer.highwater(tp) for tp in tps if consumer.highwater(tp) is not None}
            )
        return sum(out.values())
    finally:
        await consumer.stop()


async def until(condition: Callable[[], Awaitable[Any]], interval: float) -> None:
    """Poll ``condition`` until it is truthy (the state polled has no event to wait on)."""
    while True:
        if await condition():
            return
        await asyncio.sleep(interval)


async def topic_exists(bootstrap: str, topic: str) -> bool:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return topic in await admin.list_topics()
    finally:
        await admin.close()


def peak_rss_of(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def start_worker(
    source: str,
    target: str,
    workdir: Path,
    alias: str = "a",
    topics: str | None = None,
    passthrough: bool | None = None,
    extra: dict[str, Any] | None = None,
) -> subprocess.Popen[bytes]:
    """A worker mirroring ``topics``; ``passthrough`` unset: the default path."""
    worker = workdir / "worker.properties"
    worker.write_text(
        f"bootstrap.servers={source}\n"
        "offset.storage.replication.factor=1\n"
        "offset.storage.partitions=1\n"
        "offset.flush.interval.ms=5000\n"
    )
    task = workdir / "mirror.json"
    task.write_text(
        json.dumps(
            {
                "name": "bench-mirror",
                "config": {
                    "connector.class": "mirror-source",
                    "source.cluster.alias": alias,
                    "target.cluster.alias": f"{alias}-target",
                    "source.cluster.bootstrap.servers": source,
                    "target.cluster.bootstrap.servers": target,
                    "topics": topics or f"{TOPIC},{LATENCY_TOPIC}",
                    "replication.factor": 1,
                    "offset-syncs.topic.replication.factor": 1,
                    "tasks.max": 1,
                    **({} if passthrough is None else {"mirror.passthrough": passthrough}),
                    **(extra or {}),
                },
            }
        )
    )
    return subprocess.Popen(
        [sys.executable, "-m", "connect.cli", "standalone", str(worker), str(task)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


async def latency(
    source: str,
    target: str,
    remote_topic: str,
    rate: int,
    seconds: float,
    size: int = 100,
    source_topic: str = LATENCY_TOPIC,
) -> dict[str, Any]:
    """Send ``rate`` records/s for ``seconds``; time each record until it is in
    ``remote_topic`` on the target.

    The first second is a warm-up (connections, metadata, first fetches) and not counted.
    """
    consumer = AIOKafkaConsumer(
        bootstrap_servers=target, enable_auto_commit=False, fetch_max_wait_ms=5
    )
    producer = AIOKafkaProducer(bootstrap_servers=source, linger_ms=1)
    await consumer.start()
    await producer.start()
    remote = [TopicPartition(remote_topic, p) for p in range(PARTITIONS)]
    consumer.assign(remote)
    await consumer.seek_to_beginning(*remote)
    warmup = rate  # one second's worth
    total = int(rate * seconds) + warmup
    lat: list[float] = []
    received = 0

    async def send() -> None:
        per_tick = max(1, rate // 100)
        started = time.perf_counter()
        sent = 0
        while sent < total:
            for _ in range(min(per_tick, total - sent)):
                stamp = b"%d %f " % (sent, time.time())
                await producer.send(
                    source_topic, stamp.ljust(size, b"x"), partition=sent % PARTITIONS
                )
                sent += 1
            await asyncio.sleep(max(0.0, started + sent / rate - time.perf_counter()))
        await producer.flush()

    sender = asyncio.create_task(send())
    deadline = time.monotonic() + seconds + 30
    while received < total and time.monotonic() < deadline:
        batch = await consumer.getmany(timeout_ms=200, max_records=10_000)
        now = time.time()
        for msgs in batch.values():
            received += len(msgs)
            for m in msgs:
                seq, stamp, _ = m.value.split(b" ", 2)
                if int(seq) >= warmup:
                    lat.append((now - float(stamp)) * 1000)
    await sender
    await producer.stop()
    await consumer.stop()
    lat.sort()
    if not lat:
        return {"received": 0}
    return {
        "rate": rate,
        "received": len(lat),
        "p50_ms": round(lat[len(lat) // 2], 1),
        "p99_ms": round(lat[min(len(lat) - 1, int(len(lat) * 0.99))], 1),
        "max_ms": round(lat[-1], 1),
    }


def cpu_seconds_of(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def smart_connect(
    source: str, target: str, records: int, size: int, passthrough: bool | None = None
) -> dict[str, Any]:
    alias = "a" if passthrough is None else "r"
    if not await topic_exists(source, LATENCY_TOPIC):
        await create_topic(source, LATENCY_TOPIC)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        proc = start_worker(source, target, Path(tmp), alias, TOPIC, passthrough)
        try:
            remote = f"{alias}.{TOPIC}"
            await until(lambda: topic_exists(target, remote), 0.02)
            await until(lambda: true_ends(target, remote), 0.01)
            first = time.perf_counter()
            cpu_at_first = cpu_seconds_of(proc.pid)
            while (done := await true_ends(target, remote)) < records:
                if proc.poll() is not None:
                    raise RuntimeError(f"worker exited with {proc.returncode}")
                await asyncio.sleep(0.05)
            finished = time.perf_counter()
            cpu = cpu_seconds_of(proc.pid) - cpu_at_first  # the copy phase only
            copy = rates(done, size, finished - first)
            return {
                **copy,
                "worker_cpu_s_per_gb": round(cpu / (done * size / 1e9), 2),
                "first_record_s": round(first - started, 3),
                "total_s_from_start": round(finished - started, 3),
                "peak_rss_mb": peak_rss_of(proc.pid),
            }
        finally:
            proc.kill()
            proc.wait()


async def relayed_latency(source: str, target: str, rate: int, size: int) -> dict[str, Any]:
    """``latency`` through the naive mirror, run in its own process like the worker."""
    proc = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "benchmarks.mirror", "--relay", source, target],
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        if (await proc.stdout.readline()).strip() != b"ready":
            raise RuntimeError(f"naive relay did not start (exit {proc.returncode})")
        return await latency(source, target, f"naive.{LATENCY_TOPIC}", rate, LATENCY_SECONDS, size)
    finally:
        proc.kill()
        await proc.wait()


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def run_size(size: int, records: int, latency_rate: int) -> dict[str, Any]:
    records -= records % PARTITIONS  # the same count in every partition
    with fresh_broker("bench-a") as a, fresh_broker("bench-b") as b:
        await create_topic(a, TOPIC)
        await fill(a, records, size)
        log(f"{size} B: {records} records written")
        consume = await consume_only(a, records, size)
        log(f"consume-only: {consume}")
        naive = await naive_mirror(a, b, records, size)
        log(f"naive mirror: {naive}")
        mirror = await smart_connect(a, b, records, size)
        log(f"smart-connect: {mirror}")
        record_path = await smart_connect(a, b, records, size, passthrough=False)
        log(f"smart-connect record path: {record_path}")
    # latency on fresh brokers: a broker holding the bulk data answers fetches slower
    with fresh_broker("lat-a") as a, fresh_broker("lat-b") as b:
        await create_topic(a, TOPIC)
        await create_topic(a, LATENCY_TOPIC)
        await create_topic(b, f"naive.{LATENCY_TOPIC}")
        naive["latency"] = await relayed_latency(a, b, latency_rate, size)
        log(f"naive latency: {naive['latency']}")
    with fresh_broker("lat-a") as a, fresh_broker("lat-b") as b:
        await create_topic(a, TOPIC)
        await create_topic(a, LATENCY_TOPIC)
        with tempfile.TemporaryDirectory() as tmp:
            proc = start_worker(a, b, Path(tmp))
            try:
                await until(lambda: topic_exists(b, f"a.{LATENCY_TOPIC}"), 0.05)
                mirror["latency"] = await latency(
                    a, b, f"a.{LATENCY_TOPIC}", latency_rate, LATENCY_SECONDS, size
                )
            finally:
                proc.kill()
                proc.wait()
        log(f"latency: {mirror['latency']}")
    with fresh_broker("lat-a") as a, fresh_broker("lat-b") as b:
        await create_topic(a, TOPIC)
        await create_topic(a, LATENCY_TOPIC)
        with tempfile.TemporaryDirectory() as tmp:
            proc = start_worker(a, b, Path(tmp), "r", None, passthrough=False)
            try:
                await until(lambda: topic_exists(b, f"r.{LATENCY_TOPIC}"), 0.05)
                record_path["latency"] = await latency(
                    a, b, f"r.{LATENCY_TOPIC}", latency_rate, LATENCY_SECONDS, size
                )
            finally:
                proc.kill()
                proc.wait()
        log(f"record path latency: {record_path['latency']}")
    return {
        "record_bytes": size,
        "records": records,
        "partitions": PARTITIONS,
        "consume_only": consume,
        "naive_mirror": naive,
        "smart_connect": mirror,
        "smart_connect_record_path": record_path,
        "ratio_to_consume_only": round(mirror["records_per_s"] / consume["records_per_s"], 2),
        "record_path_ratio_to_consume_only": round(
            record_path["records_per_s"] / consume["records_per_s"], 2
        ),
        "ratio_to_naive_mirror": round(mirror["records_per_s"] / naive["records_per_s"], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1024")
    # a few seconds of copying at each size: shorter windows swing too much
    parser.add_argument("--records-100", type=int, default=1_000_000)
    parser.add_argument("--records-1024", type=int, default=200_000)
    parser.add_argument("--latency-rate", type=int, default=10_000)
    parser.add_argument(
        "--peer",
        choices=["mm2"],
        help="side by side with Kafka's MirrorMaker 2 on an Apache Kafka pair (Java 17, Maven)",
    )
    parser.add_argument("--relay", nargs=2, metavar=("SOURCE", "TARGET"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.relay:
        asyncio.run(relay(*args.relay))
        return
    if args.peer == "mm2":
        from benchmarks.mirror_mm2 import main as peer_main

        sizes = [int(s) for s in args.sizes.split(",")]
        peer_main(sizes, args.records_100, args.records_1024, args.latency_rate)
        return
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        records = args.records_100 if size <= 100 else args.records_1024
        results.append(asyncio.run(run_size(size, records, args.latency_rate)))
    emit({"benchmark": "mirror", "machine": machine(), "results": results})


if __name__ == "__main__":
    main()
