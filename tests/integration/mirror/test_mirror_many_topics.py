"""A mirror whose pattern matches 500 existing topics mirrors all of them quickly: remote
topics go out in batched CreateTopics requests, not one request each."""

from __future__ import annotations

import time

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from connect.herder.standalone import StandaloneHerder
from tests.helpers.wait import wait_until
from tests.integration.mirror.conftest import flow, topics_on, worker_config

pytestmark = pytest.mark.kafka

TOPICS = 500


async def _make_topics(bootstrap: str, names: list[str]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(n, 1, 1) for n in names])
    finally:
        await admin.close()
    await wait_until(
        lambda: _all_there(bootstrap, names), timeout=60, message=f"{len(names)} topics"
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=20)
    await producer.start()
    try:
        futures = [await producer.send(n, key=n.encode(), value=b"one") for n in names]
        for future in futures:
            await future
    finally:
        await producer.stop()


async def _delete_topics(bootstrap: str, names: list[str]) -> None:
    """Best effort: a thousand topics left behind slow every later metadata request of a
    long-lived cluster (the Apache Kafka runs use one cluster twice)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        for i in range(0, len(names), 100):
            await admin.delete_topics(names[i : i + 100])
    except Exception as exc:  # cleanup must not hide the test's result
        print(f"topics not deleted on {bootstrap}: {exc!r}")
    finally:
        await admin.close()


async def _all_there(bootstrap: str, names: list[str]) -> bool:
    return set(names) <= set(await topics_on(bootstrap))


async def _one_record_each(bootstrap: str, names: list[str], timeout: float) -> set[str]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    seen: set[str] = set()
    try:
        tps = [TopicPartition(n, 0) for n in names]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        deadline = time.monotonic() + timeout
        while len(seen) < len(names) and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=200, max_records=10_000)
            seen.update(tp.topic for tp in batch)
    finally:
        await consumer.stop()
    return seen


async def test_500_matching_topics_are_mirrored_quickly(
    clusters: tuple[str, str], unique: str, either_on_tansu: bool
) -> None:
    a, b = clusters
    names = [f"many-{unique}-{i:03d}" for i in range(TOPICS)]
    await _make_topics(a, names)
    src, dst = f"s{unique}", f"t{unique}"
    task = {"name": f"many-{unique}", "config": flow(a, b, src, dst, topics=f"many-{unique}-.*")}
    remote = [f"{src}.{n}" for n in names]
    try:
        async with StandaloneHerder.running(worker_config(b), [task]):
            started = time.monotonic()  # the worker is up and the mirror starting
            await wait_until(
                lambda: _all_there(b, remote), timeout=120, interval=0.2, message="remote topics"
            )
            seen = await _one_record_each(b, remote, timeout=120)
            elapsed = time.monotonic() - started
    finally:
        await _delete_topics(a, names)
        await _delete_topics(b, remote)
    assert seen == set(remote), f"{TOPICS - len(seen)} topics without their record"
    print(f"{TOPICS} topics mirrored in {elapsed:.1f} s (tansu={either_on_tansu})")
    if not either_on_tansu:
        # the bound, on Apache Kafka: a record of every topic copied within 15 s
        assert elapsed < 15, f"{TOPICS} topics took {elapsed:.1f} s to mirror"
