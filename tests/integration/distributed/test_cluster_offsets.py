"""Target states and the offsets API across workers: STOPPED drops the tasks, offsets
change only when STOPPED, and a reset source re-reads from the start on resume."""

from __future__ import annotations

import pytest

from connect.herder.base import Conflict
from tests.helpers.kafka import consume, create_topic
from tests.helpers.wait import wait_until
from tests.integration.distributed.conftest import cluster_config, running_cluster

pytestmark = pytest.mark.kafka

COUNT = 40


async def test_stop_reset_offsets_resume(kafka_bootstrap: str, unique: str) -> None:
    topic = f"gen-{unique}"
    await create_topic(kafka_bootstrap, topic, 1)
    gen = {
        "connector.class": "datagen",
        "kafka.topic": topic,
        "tasks.max": 2,
        "max.records": COUNT,
        "batch.size": 10,
    }
    async with running_cluster(cluster_config(kafka_bootstrap, unique), 2) as cluster:
        a, b = cluster.workers
        await a.put_connector_config("gen", gen, allow_replace=False)
        await b.wait_for_state("gen", "RUNNING", timeout=20)

        async def offsets_done() -> bool:
            found = await b.get_offsets("gen")
            return len(found) == 2 and all(o["offset"]["seq"] >= COUNT for o in found)

        await wait_until(offsets_done, timeout=20, message="both tasks checkpointed the end")
        with pytest.raises(Conflict):
            await a.alter_offsets("gen", None)

        await b.set_target_state("gen", "STOPPED")
        await wait_until(lambda: a.status("gen")["connector"]["state"] == "STOPPED", timeout=15)
        await wait_until(lambda: not a.status("gen")["tasks"], timeout=15)
        await wait_until(lambda: not (a.running_tasks() or b.running_tasks()), timeout=10)

        await a.alter_offsets("gen", None)
        assert await b.get_offsets("gen") == []

        await b.set_target_state("gen", "STARTED")
        await a.wait_for_state("gen", "RUNNING", timeout=20)
        got = await consume(kafka_bootstrap, topic, 2 * COUNT, timeout=20)
        assert len(got) >= 2 * COUNT  # every record once more after the reset
