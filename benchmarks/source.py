"""datagen → Kafka through the source runner, against a raw aiokafka producer.

Each case runs in its own process on a fresh broker; results are ratios to the
baseline of the same run. ``python -m benchmarks source [--records N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

from benchmarks.common import emit, fresh_broker, machine, peak_rss_mb, rates, run_case

TOPIC = "bench-source"


async def _create(bootstrap: str) -> None:
    from connect.kafka import KafkaClients

    await KafkaClients({"bootstrap.servers": bootstrap}).ensure_topic(TOPIC, partitions=3)


async def baseline(bootstrap: str, records: int, size: int) -> dict[str, Any]:
    """The same bytes, sent with aiokafka directly (send() per record, same batching)."""
    from aiokafka import AIOKafkaProducer

    await _create(bootstrap)
    value = b"x" * size
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        linger_ms=5,
        max_batch_size=512 * 1024,
        max_request_size=8 * 1024 * 1024,
    )
    await producer.start()
    started = time.perf_counter()
    futures = [await producer.send(TOPIC, value, partition=i % 3) for i in range(records)]
    await asyncio.gather(*futures)
    elapsed = time.perf_counter() - started
    await producer.stop()
    return rates(records, size, elapsed)


async def connect_source(bootstrap: str, records: int, size: int) -> dict[str, Any]:
    """datagen (raw bytes values) through a standalone worker until Kafka acked them all."""
    from connect.config import WorkerConfig
    from connect.herder.standalone import StandaloneHerder
    from connect.plugins import registry

    await _create(bootstrap)
    worker = WorkerConfig.model_validate(
        {
            "bootstrap.servers": bootstrap,
            "offset.flush.interval.ms": 60_000,
            "offset.storage.replication.factor": 1,
        }
    )
    task = {
        "name": "bench",
        "config": {
            "connector.class": "datagen",
            "kafka.topic": TOPIC,
            "max.records": records,
            "record.size": size,
            "partitions": 3,
            "value.format": "bytes",
            "batch.size": 2000,
            "key.converter": "bytes",
            "value.converter": "bytes",
        },
    }
    async with StandaloneHerder.running(worker, [], registry=registry()) as herder:
        started = time.perf_counter()
        await herder.put_connector_config("bench", task["config"], allow_replace=False)
        runner = None
        while runner is None or runner.records_sent < records:
            await asyncio.sleep(0.005)
            sup = herder.worker.tasks.get(next(iter(herder.worker.tasks), None))  # type: ignore[arg-type]
            runner = sup.runner if sup else None
        await runner.checkpoint()  # every record acknowledged, offsets stored
        elapsed = time.perf_counter() - started
    return rates(records, size, elapsed)


def _case(args: dict[str, Any]) -> None:
    fn = {"baseline": baseline, "connect": connect_source}[args["case"]]
    with fresh_broker() as bootstrap:
        result = asyncio.run(fn(bootstrap, args["records"], args["size"]))
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--case-json")
    ns = parser.parse_args()
    if ns.case_json:
        _case(json.loads(ns.case_json))
        return
    results = []
    for size, records in ((100, ns.records), (1024, ns.records // 2)):
        base = run_case("benchmarks.source", case="baseline", records=records, size=size)
        ours = run_case("benchmarks.source", case="connect", records=records, size=size)
        results.append(
            {
                "record_size": size,
                "records": records,
                "aiokafka_producer": base,
                "smart_connect_datagen": ours,
                "ratio": round(ours["records_per_s"] / base["records_per_s"], 3),
            }
        )
    emit({"benchmark": "source", "machine": machine(), "results": results})


if __name__ == "__main__":
    main()
