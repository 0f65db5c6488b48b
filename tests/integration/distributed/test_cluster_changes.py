"""Changes in a running cluster: config updates restart tasks with the new config,
restarts, a joining worker takes a share, a stopping worker hands over at once."""

from __future__ import annotations

import time

import pytest

from connect.status import TaskId
from tests.helpers.kafka import create_topic
from tests.helpers.wait import wait_until
from tests.integration.distributed.conftest import cluster_config, running_cluster

pytestmark = pytest.mark.kafka


def datagen(topic: str, tasks: int, **extra: object) -> dict[str, object]:
    return {
        "connector.class": "datagen",
        "kafka.topic": topic,
        "tasks.max": tasks,
        "rate": 20,
        "batch.size": 10,
        **extra,
    }


async def test_update_restart_join_and_hand_over(kafka_bootstrap: str, unique: str) -> None:
    topic = f"gen-{unique}"
    await create_topic(kafka_bootstrap, topic, 2)
    # a long hold for lost work: anything that moves fast below was handed over
    config = cluster_config(kafka_bootstrap, unique, **{"scheduled.rebalance.max.delay.ms": 60_000})
    async with running_cluster(config, 2) as cluster:
        a, b = cluster.workers
        await b.put_connector_config("gen", datagen(topic, 4), allow_replace=False)
        await a.wait_for_state("gen", "RUNNING", timeout=20)
        await wait_until(lambda: len(a.running_tasks()) == len(b.running_tasks()) == 2)

        # update: every task restarts with the new config, wherever it runs
        created, _ = await a.put_connector_config(
            "gen", datagen(topic, 4, **{"record.size": 64}), allow_replace=True
        )
        assert not created

        def updated() -> bool:
            configs = [
                tc.get("record.size")
                for h in cluster.workers
                for tc in h.running_task_configs().values()
            ]
            return len(configs) == 4 and all(c == 64 for c in configs)

        await wait_until(updated, timeout=20, message="tasks restarted with the new config")
        await a.wait_for_state("gen", "RUNNING", timeout=20)

        # restart one task through any worker: its owner restarts it
        owner = next(h for h in cluster.workers if TaskId("gen", 1) in h.running_tasks())
        before = owner.worker.tasks[TaskId("gen", 1)]
        await a.restart_task("gen", 1)
        await wait_until(
            lambda: owner.worker.tasks.get(TaskId("gen", 1)) not in (None, before), timeout=10
        )

        # a joining worker takes a fair share
        (c,) = await cluster.add()
        await wait_until(
            lambda: sorted(len(h.running_tasks()) for h in cluster.workers) == [1, 1, 2],
            timeout=20,
            message=f"a share for the new worker {cluster.placement()}",
        )
        await c.wait_for_state("gen", "RUNNING", timeout=10)

        # a worker stopped gracefully hands its tasks over without the 60 s hold
        leaving = max(cluster.workers, key=lambda h: len(h.running_tasks()))
        stayed = [h for h in cluster.workers if h is not leaving]
        started = time.monotonic()
        await leaving.stop()
        await wait_until(
            lambda: sum(len(h.running_tasks()) for h in stayed) == 4,
            timeout=20,
            message="tasks handed over",
        )
        assert time.monotonic() - started < 15
        st = await stayed[0].wait_for_state("gen", "RUNNING", timeout=10)
        assert leaving.worker_id not in {t["worker_id"] for t in st["tasks"]}
