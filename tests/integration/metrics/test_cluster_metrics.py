"""Two distributed workers: each reports the tasks it runs; ``status`` through one worker
shows the figures of the other's tasks too."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import Any
from urllib.parse import urlsplit

import pytest

from connect.cli_client import Client
from connect.config import WorkerConfig
from connect.herder.cluster import ClusterHerder
from connect.plugins import registry
from connect.rest.server import RestServer
from connect.top import snapshot
from tests.helpers.kafka import create_topic
from tests.helpers.wait import wait_until
from tests.integration.distributed.conftest import cluster_config
from tests.integration.metrics.support import scrape, value

pytestmark = pytest.mark.kafka


async def test_each_worker_reports_its_own_tasks_and_status_gathers_them(
    kafka_bootstrap: str, unique: str
) -> None:
    topic, name, count = f"cl-{unique}", f"gen-{unique}", 4000
    await create_topic(kafka_bootstrap, topic, 4)
    config = WorkerConfig.model_validate(
        {**cluster_config(kafka_bootstrap, unique), "listeners": "http://127.0.0.1:0"}
    )
    async with AsyncExitStack() as stack:
        workers: list[tuple[ClusterHerder, RestServer]] = []
        for _ in range(2):
            herder = ClusterHerder(config, registry())
            rest = RestServer(herder, config)
            await rest.start()
            stack.push_async_callback(rest.stop)
            herder.set_identity(urlsplit(rest.url).netloc, rest.url)
            workers.append((herder, rest))
        await asyncio.gather(*(h.start() for h, _ in workers))
        for herder, _ in workers:
            stack.push_async_callback(herder.stop)
        first = workers[0][0]
        await first.put_connector_config(
            name,
            {
                "connector.class": "datagen",
                "kafka.topic": topic,
                "max.records": count,  # in all, split over the tasks
                "batch.size": 100,
                "tasks.max": 2,
                "value.converter": "json",
                "value.converter.schemas.enable": False,
            },
            allow_replace=False,
        )

        async def spread() -> bool:
            return all(h.running_tasks() for h, _ in workers)

        await wait_until(spread, timeout=60, interval=0.2, message="a task on each worker")

        async def written() -> Any:
            totals = {}
            for herder, rest in workers:
                s = await scrape(rest.url)
                for tid in herder.running_tasks():
                    totals[tid.task] = value(
                        s,
                        "kafka_connect_source_task_source_record_write_total",
                        connector=name,
                        task=tid.task,
                    )
                    # each worker exposes only the task it runs
                    other = 1 - tid.task
                    assert (
                        value(
                            s,
                            "kafka_connect_connector_task_status",
                            connector=name,
                            task=other,
                            status="running",
                        )
                        is None
                    )
            return totals if totals == {0: count // 2, 1: count // 2} else None

        await wait_until(written, timeout=60, interval=0.3, message="both tasks wrote")
        rebalances = await scrape(workers[0][1].url)
        assert value(rebalances, "kafka_connect_worker_rebalance_completed_rebalances_total") >= 1

        client = Client(workers[0][1].url)
        try:
            statuses = await asyncio.to_thread(snapshot, client, name)
        finally:
            client.http.close()
        tasks = statuses[0]["tasks"]
        assert {t["worker_id"] for t in tasks} == {h.worker_id for h, _ in workers}
        assert [t["metrics"]["records_total"] for t in tasks] == [count // 2, count // 2]
