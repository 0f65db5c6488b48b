"""Error, dead-letter and state metrics: a failed task, tolerated records, a restart."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers.kafka import consume, create_topic, produce
from tests.helpers.wait import wait_until
from tests.integration.metrics.support import scrape, value
from tests.integration.metrics.test_worker_metrics import PLUGINS, Running, worker

pytestmark = pytest.mark.kafka

BAD_EVERY = 10


def records(start: int, count: int) -> list[tuple[bytes | None, bytes]]:
    return [
        (None, b'{"n": broken' if n % BAD_EVERY == 0 else json.dumps({"n": n}).encode())
        for n in range(start, start + count)
    ]


async def test_tolerated_records_dlq_and_a_restart_keep_counting(
    kafka_bootstrap: str, unique: str
) -> None:
    topic, dlq, name = f"in-{unique}", f"dlq-{unique}", f"tolerant-{unique}"
    await create_topic(kafka_bootstrap, topic, 2)
    await create_topic(kafka_bootstrap, dlq, 1)
    first = 500
    await produce(kafka_bootstrap, topic, records(0, first))
    async with Running(worker(kafka_bootstrap, unique)) as w:
        await w.herder.put_connector_config(
            name,
            {
                "connector.class": f"{PLUGINS}:CountingSink",
                "topics": topic,
                "value.converter": "json",
                "value.converter.schemas.enable": False,
                "errors.tolerance": "all",
                "errors.deadletterqueue.topic.name": dlq,
            },
            allow_replace=False,
        )
        ids: dict[str, Any] = {"connector": name, "task": 0}

        async def read(total: int) -> Any:
            s = await scrape(w.url)
            done = value(s, "kafka_connect_sink_task_sink_record_read_total", **ids) == total
            return (
                s
                if done and value(s, "kafka_connect_sink_task_sink_record_lag_max", **ids) == 0
                else None
            )

        s = await wait_until(
            lambda: read(first), timeout=30, interval=0.3, message="first batch read"
        )
        bad = first // BAD_EVERY
        assert value(s, "kafka_connect_sink_task_sink_record_send_total", **ids) == first - bad
        assert value(s, "kafka_connect_task_error_total_record_errors", **ids) == bad
        assert value(s, "kafka_connect_task_error_total_record_failures", **ids) == bad
        assert value(s, "kafka_connect_task_error_total_records_skipped", **ids) == bad
        assert value(s, "kafka_connect_task_error_total_retries", **ids) == 0
        assert value(s, "kafka_connect_task_error_deadletterqueue_produce_requests", **ids) == bad
        assert value(s, "kafka_connect_task_error_deadletterqueue_produce_failures", **ids) == 0
        assert len(await consume(kafka_bootstrap, dlq, bad, timeout=15)) == bad

        await w.herder.restart_task(name, 0)
        await w.herder.wait_for_state(name, "RUNNING")
        s = await scrape(w.url)
        assert value(s, "kafka_connect_task_error_total_record_errors", **ids) == bad, (
            "counters survive a restart of the task"
        )
        more = 300
        await produce(kafka_bootstrap, topic, records(first, more))
        s = await wait_until(
            lambda: read(first + more), timeout=30, interval=0.3, message="second batch read"
        )
        bad += more // BAD_EVERY
        assert value(s, "kafka_connect_task_error_total_record_errors", **ids) == bad
        assert value(s, "kafka_connect_task_error_deadletterqueue_produce_requests", **ids) == bad
        assert (
            value(s, "kafka_connect_sink_task_sink_record_send_total", **ids) == first + more - bad
        )


async def test_a_failed_task_shows_in_state_metrics(kafka_bootstrap: str, unique: str) -> None:
    name = f"failing-{unique}"
    async with Running(worker(kafka_bootstrap, unique)) as w:
        await w.herder.put_connector_config(
            name, {"connector.class": "tests.plugins:AlwaysFailingSource"}, allow_replace=False
        )
        await wait_until(
            lambda: (
                w.herder.status(name)["tasks"]
                and w.herder.status(name)["tasks"][0]["state"] == "FAILED"
            ),
            message="task FAILED",
        )
        s = await scrape(w.url)
        assert value(s, "kafka_connect_connector_status", connector=name, status="running") == 1
        assert (
            value(s, "kafka_connect_connector_task_status", connector=name, task=0, status="failed")
            == 1
        )
        assert (
            value(
                s, "kafka_connect_connector_task_status", connector=name, task=0, status="running"
            )
            is None
        )
        assert value(s, "kafka_connect_worker_connector_failed_task_count", connector=name) == 1
        assert value(s, "kafka_connect_worker_connector_running_task_count", connector=name) == 0
        assert value(s, "kafka_connect_task_error_total_record_errors", connector=name, task=0) == 1
