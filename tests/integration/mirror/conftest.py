"""Helpers for mirror tests: configs for a flow between the two test clusters."""

from __future__ import annotations

from typing import Any

import pytest


def flow(
    source: str, target: str, src_alias: str = "a", dst_alias: str = "b", **extra: Any
) -> dict[str, Any]:
    """A ``mirror-source`` config from ``source`` to ``target``; extra keys use ``_`` for ``.``."""
    config: dict[str, Any] = {
        "connector.class": "mirror-source",
        "source.cluster.alias": src_alias,
        "target.cluster.alias": dst_alias,
        "source.cluster.bootstrap.servers": source,
        "target.cluster.bootstrap.servers": target,
        "replication.factor": 1,
        "offset-syncs.topic.replication.factor": 1,
        "refresh.topics.interval.seconds": 1,
    }
    config.update(extra)
    return config


def worker_config(bootstrap: str, **extra: Any) -> dict[str, Any]:
    return {
        "bootstrap.servers": bootstrap,
        "offset.storage.replication.factor": 1,
        "offset.storage.partitions": 1,
        "offset.flush.interval.ms": 300,
        **extra,
    }


@pytest.fixture
def clusters(kafka_bootstrap: str, kafka_target_bootstrap: str) -> tuple[str, str]:
    return kafka_bootstrap, kafka_target_bootstrap


async def topics_on(bootstrap: str) -> dict[str, int]:
    """``{topic: partitions}`` of a cluster (asks for all topics: creates none)."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        names = await admin.list_topics()
        if not names:
            return {}
        return {t["topic"]: len(t["partitions"]) for t in await admin.describe_topics(names)}
    finally:
        await admin.close()


async def mirrored(
    bootstrap: str, topic: str, count: int, timeout: float = 60, distinct: bool = False
) -> list[Any]:
    """Wait for ``topic`` to exist on ``bootstrap``, then read ``count`` records of it
    (``count`` different keys with ``distinct``)."""
    from tests.helpers.kafka import consume
    from tests.helpers.wait import wait_until

    async def exists() -> bool:
        return topic in await topics_on(bootstrap)

    await wait_until(exists, timeout=timeout, interval=0.2, message=f"{topic} on target")
    return await consume(bootstrap, topic, count, timeout=timeout, distinct=distinct)
