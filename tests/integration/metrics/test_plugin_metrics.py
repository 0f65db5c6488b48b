"""Plugin metrics of the built-in connectors (mirror, S3) and of a monitorable transform,
read from a worker's ``/metrics`` after a known workload."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.fixtures.s3 import S3Server
from tests.helpers.kafka import create_topic, produce
from tests.helpers.wait import wait_until
from tests.integration.metrics.support import names, scrape, value
from tests.integration.metrics.test_worker_metrics import PLUGINS, Running, worker
from tests.integration.mirror.conftest import flow, mirrored
from tests.integration.mirror.test_passthrough import _batches as source_batches
from tests.unit.s3.support import Bucket

pytestmark = pytest.mark.kafka

M = "kafka_connect_mirror_mirrorsourceconnector"


@pytest.mark.parametrize("passthrough", [False, True], ids=["record-path", "pass-through"])
async def test_mirror_metrics_count_every_record_per_partition(
    kafka_bootstrap: str, kafka_target_bootstrap: str, unique: str, passthrough: bool
) -> None:
    a, b = kafka_bootstrap, kafka_target_bootstrap
    topic, partitions, per_partition = f"mm-{unique}", 2, 300
    src, dst = f"s{unique[-8:]}", f"t{unique[-8:]}"
    await create_topic(a, topic, partitions)
    old = int(time.time() * 1000) - 60_000  # records a minute old: their age is known
    await produce(
        a,
        topic,
        (
            {"value": b"x" * 100, "partition": i % partitions, "timestamp_ms": old}
            for i in range(per_partition * partitions)
        ),
    )
    name = f"mirror-{unique}"
    async with Running(worker(a, unique)) as w:
        await w.herder.put_connector_config(
            name,
            flow(a, b, src, dst, topics=topic, **{"mirror.passthrough": passthrough}),
            allow_replace=False,
        )
        await mirrored(b, f"{src}.{topic}", per_partition * partitions)

        async def counted() -> Any:
            s = await scrape(w.url)
            done = all(
                value(s, f"{M}_record_count", **_labels(name, src, dst, f"{src}.{topic}", p))
                == per_partition
                and value(
                    s, f"{M}_replication_latency_ms", **_labels(name, src, dst, f"{src}.{topic}", p)
                )
                for p in range(partitions)
            )
            return s if done else None

        s = await wait_until(counted, timeout=30, interval=0.3, message="mirror counted")
        # bytes replicated: the record path counts record values (as MM2 does), pass-through
        # the record batches it writes, headers and all (each batch's bytes from 21 on)
        batches = await source_batches(a, topic, partitions)
        for p in range(partitions):
            labels = _labels(name, src, dst, f"{src}.{topic}", p)
            sent = sum(len(b) + 21 for b in batches[p]) if passthrough else per_partition * 100
            assert value(s, f"{M}_byte_count", **labels) == sent
            passed = value(s, f"{M}_passthrough_record_count", **labels) or 0
            assert passed == (per_partition if passthrough else 0)
            assert value(s, f"{M}_record_rate", **labels) >= 0
            assert 60_000 <= value(s, f"{M}_record_age_ms_max", **labels) < 120_000
            assert value(s, f"{M}_record_age_ms_min", **labels) >= 60_000
            assert value(s, f"{M}_replication_latency_ms_avg", **labels) >= 60_000
        await w.herder.delete_connector(name)
        s = await scrape(w.url)
        assert not names(s, connector=name)


def _labels(connector: str, source: str, target: str, topic: str, p: int) -> dict[str, Any]:
    return {
        "connector": connector,
        "task": 0,
        "source": source,
        "target": target,
        "topic": topic,
        "partition": p,
    }


async def test_s3_sink_metrics_count_objects_and_bytes(
    kafka_bootstrap: str, s3_server: S3Server, unique: str
) -> None:
    bucket = Bucket(s3_server)
    topic, name = f"s3m-{unique}", f"s3-{unique}"
    await create_topic(kafka_bootstrap, topic, 1)
    count, flush = 250, 100
    await produce(kafka_bootstrap, topic, ((None, b"v" * 1000) for _ in range(count)))
    async with Running(worker(kafka_bootstrap, unique)) as w:
        await w.herder.put_connector_config(
            name,
            bucket.config(
                topics=topic,
                **{"format.class": "bytes", "flush.size": flush, "value.converter": "bytes"},
            ),
            allow_replace=False,
        )
        ids = {"connector": name, "task": 0}

        async def objects() -> Any:
            s = await scrape(w.url)
            n = value(
                s, "smart_connect_s3_objects_committed_total", **ids, topic=topic, partition=0
            )
            return s if n == count // flush else None

        s = await wait_until(objects, timeout=30, interval=0.3, message="objects counted")
        listed = bucket.client.list_objects_v2(Bucket=bucket.name).get("Contents", [])
        assert len(listed) == count // flush
        assert value(
            s, "smart_connect_s3_bytes_committed_total", **ids, topic=topic, partition=0
        ) == sum(o["Size"] for o in listed)
        assert value(s, "smart_connect_s3_upload_latency_seconds_count", **ids) == count // flush
        assert value(s, "smart_connect_s3_open_files", **ids) == 1  # the last 50 records
        assert value(s, "smart_connect_s3_buffered_bytes", **ids) > 0


async def test_a_monitorable_transform_gets_metrics(kafka_bootstrap: str, unique: str) -> None:
    topic, name, count = f"tr-{unique}", f"tr-{unique}", 40
    await create_topic(kafka_bootstrap, topic, 1)
    await produce(kafka_bootstrap, topic, ((None, b"v") for _ in range(count)))
    async with Running(worker(kafka_bootstrap, unique)) as w:
        await w.herder.put_connector_config(
            name,
            {
                "connector.class": f"{PLUGINS}:CountingSink",
                "topics": topic,
                "value.converter": "bytes",
                "transforms": "count",
                "transforms.count.type": f"{PLUGINS}:CountingTransform",
            },
            allow_replace=False,
        )

        async def seen() -> Any:
            s = await scrape(w.url)
            return value(s, "test_transform_seen", connector=name, task=0) == count

        await wait_until(seen, timeout=30, interval=0.3, message="transform counted")
