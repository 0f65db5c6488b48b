"""SASL_SSL + SCRAM-SHA-512 with a CA file (Huawei DMS's encrypted access), end to end.

Cluster A of the suite's own Apache Kafka has a SASL_SSL listener whose certificate names
``localhost`` only. Records are produced and counted through its PLAINTEXT listener (the
same cluster); everything under test connects through SASL_SSL.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from structlog.testing import capture_logs

from connect.broker.apache import ApacheKafka
from connect.herder.standalone import StandaloneHerder
from tests.fixtures.s3 import S3Server
from tests.helpers.kafka import consume, create_topic, produce
from tests.helpers.wait import wait_until
from tests.integration.distributed.conftest import cluster_config, running_cluster
from tests.integration.mirror.conftest import mirrored
from tests.unit.s3.support import Bucket

pytestmark = pytest.mark.kafka


def sasl_worker(kafka: ApacheKafka, **extra: Any) -> dict[str, Any]:
    """A worker config whose own cluster (internal topics included) is reached by SASL_SSL."""
    return {
        **kafka.client_settings(sasl=True),
        "offset.storage.replication.factor": 1,
        "offset.storage.partitions": 1,
        "offset.flush.interval.ms": 200,
        "task.restart.backoff.initial.ms": 500,
        "task.restart.backoff.max.ms": 4000,
        **extra,
    }


def records(n: int, tag: str) -> list[tuple[bytes, bytes]]:
    return [(f"{tag}-{i}".encode(), f"value-{i}".encode()) for i in range(n)]


def huawei_pull(
    kafka: ApacheKafka, target: str, topic: str, unique: str, **overrides: Any
) -> dict[str, Any]:
    """A Huawei-style replication task: the SASL_SSL peer pulled into a PLAINTEXT target."""
    sasl = kafka.client_settings(sasl=True)
    config = {
        "connector.class": "kafka-replicator",
        "current_cluster_name": f"cur-{unique}",
        "current_bootstrap_servers": target,
        "cluster_name": f"peer-{unique}",
        "bootstrap_servers": sasl["bootstrap.servers"],
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "user_name": sasl["sasl.username"],
        "password": sasl["sasl.password"],
        "ssl.cafile": sasl["ssl.cafile"],
        "direction": "pull",
        "topics_regex": topic,
        "replication_factor": "1",
    }
    config.update(overrides)
    return config


@pytest.fixture
def s3(s3_server: S3Server) -> Iterator[Bucket]:
    yield Bucket(s3_server)


async def test_s3_sink_reads_from_sasl_ssl(
    sasl_ssl_kafka: ApacheKafka, kafka_bootstrap: str, s3: Bucket, unique: str
) -> None:
    topic = f"sec-s3-{unique}"
    # one partition: 500 records are exactly ten objects of flush.size
    await create_topic(kafka_bootstrap, topic, 1)
    await produce(kafka_bootstrap, topic, records(500, topic))
    config = s3.config(
        topics=topic,
        **{
            "flush.size": 50,
            "format.class": "json",
            "value.converter": "string",
            "key.converter": "string",
        },
    )
    task = {"name": f"s3-{unique}", "config": config}
    async with StandaloneHerder.running(sasl_worker(sasl_ssl_kafka), [task]) as herder:
        await herder.wait_for_state(task["name"], "RUNNING", timeout=30)

        def archived() -> int:
            return sum(len(s3.records(k, config)) for k in s3.object_keys())

        await wait_until(lambda: archived() == 500, timeout=60, message="500 records in S3")
    assert archived() == 500


async def test_mirror_huawei_task_from_sasl_ssl_to_plaintext(
    sasl_ssl_kafka: ApacheKafka, kafka_bootstrap: str, kafka_target_bootstrap: str, unique: str
) -> None:
    topic = f"sec-mirror-{unique}"
    await create_topic(kafka_bootstrap, topic, 3)
    await produce(kafka_bootstrap, topic, records(1000, topic))
    task = {
        "name": f"repl-{unique}",
        "config": huawei_pull(sasl_ssl_kafka, kafka_target_bootstrap, topic, unique),
    }
    worker = {"bootstrap.servers": kafka_target_bootstrap, "offset.flush.interval.ms": 200}
    async with StandaloneHerder.running({**worker, "offset.storage.replication.factor": 1}, [task]):
        # rename_topic_enabled defaults to true: <peer alias>.<topic>
        got = await mirrored(kafka_target_bootstrap, f"peer-{unique}.{topic}", 1000)
    assert sorted(m.key for m in got) == sorted(k for k, _ in records(1000, topic))


async def test_distributed_workers_over_sasl_ssl(
    sasl_ssl_kafka: ApacheKafka, kafka_bootstrap: str, unique: str
) -> None:
    topic = f"sec-dist-{unique}"
    await create_topic(kafka_bootstrap, topic, 2)
    config = cluster_config("", unique) | sasl_ssl_kafka.client_settings(sasl=True)
    async with running_cluster(config, 2) as cluster:
        a, b = cluster.workers
        gen = {
            "connector.class": "datagen",
            "kafka.topic": topic,
            "tasks.max": 2,
            "max.records": 300,
            "rate": 1000,
            "batch.size": 50,
        }
        await a.put_connector_config(f"gen-{unique}", gen, allow_replace=False)
        await b.wait_for_state(f"gen-{unique}", "RUNNING", timeout=30)
        got = await consume(kafka_bootstrap, topic, 300, timeout=60)
        status = a.status(f"gen-{unique}")
        assert {t["worker_id"] for t in status["tasks"]} == {"worker-0", "worker-1"}
    # max.records counts for all tasks together
    assert len(got) == 300


async def _failed_trace(herder: StandaloneHerder, name: str) -> str:
    async def failed() -> str | None:
        tasks = herder.status(name)["tasks"]
        traces = [t.get("trace") or "" for t in tasks if t["state"] == "FAILED"]
        return traces[0] if traces else None

    trace: str = await wait_until(failed, timeout=60, message=f"{name} FAILED")
    return trace


@pytest.mark.parametrize("mistake", ["password", "ca", "hostname"])
async def test_refused_connection_fails_the_task_with_the_reason(
    sasl_ssl_kafka: ApacheKafka,
    kafka_bootstrap: str,
    kafka_target_bootstrap: str,
    unique: str,
    mistake: str,
) -> None:
    sasl = sasl_ssl_kafka.client_settings(sasl=True)
    topic = f"sec-bad-{unique}"
    await create_topic(kafka_bootstrap, topic, 1)
    wrong = {
        "password": {"password": "not-the-password"},
        "ca": {"ssl.cafile": ""},
        # the certificate names localhost only: by IP address the hostname check fails
        "hostname": {
            "bootstrap_servers": sasl["bootstrap.servers"].replace("localhost", "127.0.0.1")
        },
    }[mistake]
    config = huawei_pull(sasl_ssl_kafka, kafka_target_bootstrap, topic, unique, **wrong)
    if mistake == "ca":
        del config["ssl.cafile"]
    name = f"bad-{unique}"
    worker = {
        "bootstrap.servers": kafka_target_bootstrap,
        "offset.storage.replication.factor": 1,
        "task.restart.backoff.initial.ms": 500,
    }
    with capture_logs() as logs:
        async with StandaloneHerder.running(worker, [{"name": name, "config": config}]) as h:
            trace = await _failed_trace(h, name)
            started = time.monotonic()
            status = h.status(name)
            await asyncio.sleep(4)  # a window to count restarts in, not a synchronisation
    failures = [e for e in logs if e.get("event") == "task failed"]
    # backoff from 500 ms doubling: a handful of attempts, not a tight loop
    assert 1 <= len(failures) <= 5, (len(failures), time.monotonic() - started)
    assert all(sasl["sasl.password"] not in str(e) for e in logs)
    last = trace.strip().splitlines()[-1]
    expected = {
        "password": "authentication failed for cluster peer-",
        "ca": "TLS trust failed for cluster peer-",
        "hostname": "TLS trust failed for cluster peer-",
    }[mistake]
    assert expected in last, last
    assert sasl["sasl.password"] not in trace
    assert sasl["sasl.password"] not in str(status)


async def test_hostname_check_off_with_empty_algorithm(
    sasl_ssl_kafka: ApacheKafka, kafka_bootstrap: str, kafka_target_bootstrap: str, unique: str
) -> None:
    sasl = sasl_ssl_kafka.client_settings(sasl=True)
    topic = f"sec-nohost-{unique}"
    await create_topic(kafka_bootstrap, topic, 1)
    await produce(kafka_bootstrap, topic, records(100, topic))
    config = huawei_pull(
        sasl_ssl_kafka,
        kafka_target_bootstrap,
        topic,
        unique,
        bootstrap_servers=sasl["bootstrap.servers"].replace("localhost", "127.0.0.1"),
        **{"ssl.endpoint.identification.algorithm": ""},
    )
    worker = {"bootstrap.servers": kafka_target_bootstrap, "offset.storage.replication.factor": 1}
    async with StandaloneHerder.running(worker, [{"name": f"nh-{unique}", "config": config}]):
        got = await mirrored(kafka_target_bootstrap, f"peer-{unique}.{topic}", 100)
    assert len(got) == 100
