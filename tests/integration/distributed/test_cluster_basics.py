"""Three in-process workers: connectors created through any worker spread over all."""

from __future__ import annotations

import pytest

from tests.helpers.kafka import consume, create_topic
from tests.helpers.wait import wait_until
from tests.integration.distributed.conftest import cluster_config, running_cluster

pytestmark = pytest.mark.kafka


def datagen(topic: str, tasks: int, count: int = 1000) -> dict[str, object]:
    return {
        "connector.class": "datagen",
        "kafka.topic": topic,
        "tasks.max": tasks,
        "max.records": count,
        "rate": 200,
        "batch.size": 50,
    }


async def test_tasks_spread_and_status_everywhere(kafka_bootstrap: str, unique: str) -> None:
    topic = f"gen-{unique}"
    await create_topic(kafka_bootstrap, topic, 3)
    async with running_cluster(cluster_config(kafka_bootstrap, unique), 3) as cluster:
        a, b, c = cluster.workers
        created, _ = await a.put_connector_config("gen", datagen(topic, 6), allow_replace=False)
        assert created
        for h in (a, b, c):
            await h.wait_for_state("gen", "RUNNING", timeout=20)

        def spread() -> bool:
            counts = [len(h.running_tasks()) for h in cluster.workers]
            return sum(counts) == 6 and max(counts) - min(counts) <= 1

        await wait_until(spread, timeout=20, message=f"even spread {cluster.placement()}")
        views = [h.status("gen") for h in cluster.workers]
        assert views[0] == views[1] == views[2]
        assert {t["worker_id"] for t in views[0]["tasks"]} == {"worker-0", "worker-1", "worker-2"}

        await b.set_target_state("gen", "PAUSED")
        for h in cluster.workers:
            await h.wait_for_state("gen", "PAUSED", timeout=15)
        await c.set_target_state("gen", "STARTED")
        await a.wait_for_state("gen", "RUNNING", timeout=15)

        await c.delete_connector("gen")
        await wait_until(lambda: all(not h.running_tasks() for h in cluster.workers), timeout=15)
        assert await a.connectors() == []
    got = await consume(kafka_bootstrap, topic, 1, timeout=5)
    assert got
