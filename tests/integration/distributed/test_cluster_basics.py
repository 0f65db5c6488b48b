"""Three in-process workers: connectors created through any worker spread over all."""

from __future__ import annotations

from pathlib import Path

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


async def test_failed_task_trace_everywhere_then_fixed(
    kafka_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    topic = f"in-{unique}"
    await create_topic(kafka_bootstrap, topic, 1)
    bad = {
        "connector.class": "file-sink",
        "topics": topic,
        "file": str(tmp_path / "missing-dir" / "out.txt"),
    }
    async with running_cluster(cluster_config(kafka_bootstrap, unique), 2) as cluster:
        a, b = cluster.workers
        await a.put_connector_config("sink", bad, allow_replace=False)

        def failed_everywhere() -> bool:
            if not all("sink" in h.configlog.state.connectors for h in cluster.workers):
                return False
            tasks = [h.status("sink")["tasks"] for h in cluster.workers]
            return all(
                t and t[0]["state"] == "FAILED" and "missing-dir" in t[0].get("trace", "")
                for t in tasks
            )

        await wait_until(failed_everywhere, timeout=20, message="FAILED with its trace")
        await b.restart_connector("sink", include_tasks=True, only_failed=True)
        good = {**bad, "file": str(tmp_path / "out.txt")}
        await b.put_connector_config("sink", good, allow_replace=True)
        st = await a.wait_for_state("sink", "RUNNING", timeout=20)
        assert "trace" not in st["tasks"][0]
