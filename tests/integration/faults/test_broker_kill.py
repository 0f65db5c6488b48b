"""kill -9 of an Apache Kafka broker mid-stream, restarted 10 s later on the same data:
the S3 sink, the mirror (source or target broker down) and a three-worker cluster recover
by themselves, lose nothing, and their status says what happened meanwhile."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

import pytest

from connect.broker.apache import ApacheKafka
from connect.herder.base import Herder
from connect.herder.standalone import StandaloneHerder
from tests.fixtures.s3 import S3Server
from tests.helpers.kafka import committed, consume, create_topic, produce
from tests.helpers.wait import wait_until
from tests.integration.distributed.conftest import cluster_config, running_cluster
from tests.integration.mirror.conftest import flow, mirrored
from tests.system.test_mirror_kill import _stored_positions
from tests.unit.s3.support import Bucket

pytestmark = pytest.mark.kafka

DOWN_S = 10


def records(n: int, tag: str, start: int = 0) -> list[tuple[bytes, bytes]]:
    return [(f"{tag}-{i}".encode(), f"v{i}".encode()) for i in range(start, start + n)]


def worker_config(bootstrap: str, **extra: Any) -> dict[str, Any]:
    return {
        "bootstrap.servers": bootstrap,
        "offset.storage.replication.factor": 1,
        "offset.storage.partitions": 1,
        "offset.flush.interval.ms": 200,
        "task.restart.backoff.initial.ms": 200,
        "task.restart.backoff.max.ms": 2000,
        **extra,
    }


async def outage(kafka: ApacheKafka, herders: list[Herder], name: str) -> list[dict[str, Any]]:
    """kill -9 the broker, keep it down DOWN_S seconds, restart it; the task statuses seen
    by ``herders`` until it is back (each poll's tasks, flattened)."""
    kafka.kill()
    seen: list[dict[str, Any]] = []
    restart: asyncio.Task[None] | None = None
    down_until = time.monotonic() + DOWN_S
    while restart is None or not restart.done():
        for herder in herders:
            # a worker may not know the connector while the group is gone
            with contextlib.suppress(Exception):
                seen.extend(herder.status(name)["tasks"])
        if restart is None and time.monotonic() >= down_until:
            restart = asyncio.create_task(asyncio.to_thread(kafka.restart))
        await asyncio.sleep(0.5)  # polling the status while the broker is down, not a sync
    await restart
    return seen


def said_so(seen: list[dict[str, Any]]) -> bool:
    """Some status while down named the trouble (a FAILED trace or a message)."""
    return any(t["state"] != "RUNNING" or t.get("trace") or t.get("message") for t in seen)


async def test_s3_sink_survives_a_broker_kill(
    apache_kafka_factory: Callable[..., ApacheKafka], s3_server: S3Server, unique: str
) -> None:
    kafka = apache_kafka_factory()
    topic = f"fault-s3-{unique}"
    # one partition: 3000 + 2000 records are whole objects of flush.size
    await create_topic(kafka.bootstrap, topic, 1)
    await produce(kafka.bootstrap, topic, records(3000, topic))
    bucket = Bucket(s3_server)
    config = bucket.config(
        topics=topic,
        **{
            "flush.size": 100,
            "format.class": "json",
            "key.converter": "string",
            "value.converter": "string",
        },
    )
    name = f"s3-{unique}"

    def archived() -> int:
        return sum(len(bucket.records(k, config)) for k in bucket.object_keys())

    async with StandaloneHerder.running(
        worker_config(kafka.bootstrap), [{"name": name, "config": config}]
    ) as herder:
        await wait_until(lambda: archived() >= 1000, timeout=60, message="objects before kill")
        seen = await outage(kafka, [herder], name)
        assert said_so(seen), seen
        await produce(kafka.bootstrap, topic, records(2000, topic, 3000))
        await wait_until(lambda: archived() == 5000, timeout=120, message="all 5000 archived")
        await herder.wait_for_state(name, "RUNNING", timeout=60)

        async def all_committed() -> bool:
            got = await committed(kafka.bootstrap, f"connect-{name}", [(topic, 0)])
            return got[(topic, 0)] == 5000

        await wait_until(all_committed, timeout=60, message="offsets committed to the end")
    # object keys are a function of the first offset: a replay rewrote, never added
    assert archived() == 5000


@pytest.mark.parametrize("down", ["source", "target"])
async def test_mirror_survives_a_broker_kill(
    apache_kafka_factory: Callable[..., ApacheKafka],
    kafka_bootstrap: str,
    kafka_target_bootstrap: str,
    unique: str,
    down: str,
) -> None:
    own = apache_kafka_factory()
    source, target = (
        (own.bootstrap, kafka_target_bootstrap)
        if down == "source"
        else (kafka_bootstrap, own.bootstrap)
    )
    topic = f"fault-mm-{unique}"
    await create_topic(source, topic, 3)
    await produce(source, topic, records(5000, topic))
    name = f"mm-{unique}"
    config = flow(source, target, f"s{unique}", f"t{unique}", topics=topic)
    remote = f"s{unique}.{topic}"
    async with StandaloneHerder.running(
        worker_config(target), [{"name": name, "config": config}]
    ) as herder:
        await mirrored(target, remote, 5000)

        async def stored() -> bool:
            positions = await _stored_positions(target, name, "connect-offsets", topic)
            return sum(positions.values()) == 5000

        # the duplicates bound below is the records sent after the last stored positions
        await wait_until(stored, timeout=30, message="positions of the first 5000 stored")
        await produce(source, topic, records(2000, topic, 5000))
        seen = await outage(own, [herder], name)
        await produce(source, topic, records(3000, topic, 7000))
        got = await mirrored(target, remote, 10_000, timeout=120, distinct=True)
        await herder.wait_for_state(name, "RUNNING", timeout=60)
    keys = {m.key for m in got}
    assert keys == {k for k, _ in records(10_000, topic)}, f"missing {10_000 - len(keys)}"
    # at least once: duplicates only from the uncommitted window around the outage
    assert len(got) - len(keys) <= 2000 + 500, len(got) - len(keys)
    assert said_so(seen), seen


async def test_three_workers_survive_a_broker_kill(
    apache_kafka_factory: Callable[..., ApacheKafka], unique: str
) -> None:
    kafka = apache_kafka_factory()
    topic = f"fault-dist-{unique}"
    await create_topic(kafka.bootstrap, topic, 3)
    config = cluster_config(kafka.bootstrap, unique)
    name = f"gen-{unique}"
    gen = {
        "connector.class": "datagen",
        "kafka.topic": topic,
        "tasks.max": 3,
        "max.records": 6000,
        "rate": 300,
        "batch.size": 50,
    }
    async with running_cluster(config, 3) as cluster:
        a = cluster.workers[0]
        await a.put_connector_config(name, gen, allow_replace=False)
        for h in cluster.workers:
            await h.wait_for_state(name, "RUNNING", timeout=30)
        seen = await outage(kafka, list(cluster.workers), name)
        assert said_so(seen), seen

        async def running_everywhere() -> bool:
            try:
                views = [h.status(name) for h in cluster.workers]
            except Exception:
                return False
            return all(
                v["connector"]["state"] == "RUNNING"
                and len(v["tasks"]) == 3
                and all(t["state"] == "RUNNING" for t in v["tasks"])
                for v in views
            )

        await wait_until(running_everywhere, timeout=90, message="RUNNING again everywhere")
        got = await consume(kafka.bootstrap, topic, 6000, timeout=120)
    ids = {m.value for m in got}
    # datagen's records are numbered: every one arrived (duplicates allowed: at least once)
    assert len(ids) == 6000, len(ids)
