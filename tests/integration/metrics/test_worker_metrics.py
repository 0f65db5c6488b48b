"""``/metrics`` of a real standalone worker after a known workload, on a real broker."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from connect.config import WorkerConfig
from connect.herder.standalone import StandaloneHerder
from connect.plugins import registry
from connect.rest.server import RestServer
from tests.helpers.kafka import SESSION_MS, create_topic, produce
from tests.helpers.wait import wait_until
from tests.integration.metrics.support import names, scrape, value

pytestmark = pytest.mark.kafka

PLUGINS = "tests.integration.metrics.plugins"
COMMIT_OK = "kafka_connect_connector_task_offset_commit_success_percentage"


def worker(bootstrap: str, unique: str, **extra: Any) -> WorkerConfig:
    return WorkerConfig.model_validate(
        {
            "bootstrap.servers": bootstrap,
            "offset.storage.topic": f"offsets-{unique}",
            "offset.flush.interval.ms": 200,
            "task.restart.backoff.initial.ms": 60_000,
            "consumer.session.timeout.ms": SESSION_MS,
            "consumer.heartbeat.interval.ms": 300,
            "listeners": "http://127.0.0.1:0",
            **extra,
        }
    )


class Running:
    """A standalone herder with its REST server on a free port."""

    def __init__(self, config: WorkerConfig) -> None:
        self.herder = StandaloneHerder(config, registry())
        self.rest = RestServer(self.herder, config)

    async def __aenter__(self) -> Running:
        await self.herder.start()
        await self.rest.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.rest.stop()
        await self.herder.stop()

    @property
    def url(self) -> str:
        return self.rest.url


async def test_source_and_sink_counters_equal_the_records_moved(
    kafka_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    count, partitions = 3000, 3
    topic = f"moved-{unique}"
    await create_topic(kafka_bootstrap, topic, partitions)
    src, sink = f"src-{unique}", f"sink-{unique}"
    out = tmp_path / "out.jsonl"
    async with Running(worker(kafka_bootstrap, unique)) as w:
        await w.herder.put_connector_config(
            src,
            {
                "connector.class": "datagen",
                "kafka.topic": topic,
                "max.records": count,
                "batch.size": 100,
                "value.converter": "json",
                "value.converter.schemas.enable": False,
            },
            allow_replace=False,
        )
        await w.herder.put_connector_config(
            sink,
            {
                "connector.class": "file-sink",
                "topics": topic,
                "file": str(out),
                "value.converter": "json",
                "value.converter.schemas.enable": False,
            },
            allow_replace=False,
        )

        async def moved() -> Any:
            s = await scrape(w.url)
            done = (
                value(
                    s, "kafka_connect_source_task_source_record_write_total", connector=src, task=0
                )
                == count
                and value(
                    s, "kafka_connect_sink_task_sink_record_read_total", connector=sink, task=0
                )
                == count
                and value(s, "kafka_connect_sink_task_sink_record_lag_max", connector=sink, task=0)
                == 0
                # and both committed at least once since
                and all(value(s, COMMIT_OK, connector=name, task=0) == 1.0 for name in (src, sink))
            )
            return s if done else None

        s = await wait_until(moved, timeout=60, interval=0.3, message="all records counted")
        ids = {"task": 0}
        assert (
            value(s, "kafka_connect_source_task_source_record_poll_total", connector=src, **ids)
            == count
        )
        assert (
            value(s, "kafka_connect_source_task_source_record_active_count", connector=src, **ids)
            == 0
        )
        assert (
            value(s, "kafka_connect_source_task_poll_batch_avg_time_ms", connector=src, **ids) >= 0
        )
        assert (
            value(s, "kafka_connect_sink_task_sink_record_send_total", connector=sink, **ids)
            == count
        )
        assert (
            value(s, "kafka_connect_sink_task_partition_count", connector=sink, **ids) == partitions
        )
        assert value(s, "kafka_connect_sink_task_put_batch_avg_time_ms", connector=sink, **ids) > 0
        # datagen polls batches of 100 records
        assert value(s, "kafka_connect_connector_task_batch_size_avg", connector=src, **ids) == 100
        # the moves happened within the last 30 s: the rates see them
        for rate, name in (
            ("kafka_connect_source_task_source_record_poll_rate", src),
            ("kafka_connect_source_task_source_record_write_rate", src),
            ("kafka_connect_sink_task_sink_record_read_rate", sink),
        ):
            assert 0 < value(s, rate, connector=name, **ids) <= count, rate
        for name in (src, sink):
            commit_ms = "kafka_connect_connector_task_offset_commit_avg_time_ms"
            assert value(s, commit_ms, connector=name, **ids) > 0
        for name in (src, sink):
            assert value(s, "kafka_connect_connector_status", connector=name, status="running") == 1
            assert (
                value(
                    s,
                    "kafka_connect_connector_task_status",
                    connector=name,
                    task=0,
                    status="running",
                )
                == 1
            )
            assert (
                value(s, "kafka_connect_worker_connector_running_task_count", connector=name) == 1
            )
            assert value(s, "kafka_connect_worker_connector_failed_task_count", connector=name) == 0
            assert (
                value(
                    s,
                    "kafka_connect_connector_task_offset_commit_success_percentage",
                    connector=name,
                    **ids,
                )
                == 1.0
            )
            assert (
                value(s, "kafka_connect_task_error_total_record_errors", connector=name, **ids) == 0
            )
        assert value(s, "kafka_connect_worker_connector_count") == 2
        assert value(s, "kafka_connect_worker_task_count") == 2
        assert value(s, "kafka_connect_worker_rebalance_completed_rebalances_total") == 0
        assert value(s, "kafka_connect_worker_rebalance_rebalancing") == 0
        # the file has every record the counters claim
        assert len(out.read_text().splitlines()) == count

        # the same figures, for people, in the REST status
        async with httpx.AsyncClient(base_url=w.url) as http:
            status = (await http.get(f"/connectors/{sink}/status")).json()
        task = status["tasks"][0]
        assert task["metrics"]["records_total"] == count
        assert task["metrics"]["lag"] == 0
        assert task["metrics"]["last_commit_age_s"] is not None

        await w.herder.delete_connector(src)
        s = await scrape(w.url)
        assert not names(s, connector=src), "a deleted connector's series disappear"
        assert value(s, "kafka_connect_worker_connector_count") == 1
        assert (
            value(s, "kafka_connect_sink_task_sink_record_read_total", connector=sink, task=0)
            == count
        )


async def test_lag_is_end_offset_minus_consumed_position(kafka_bootstrap: str, unique: str) -> None:
    topic, chunks, per_chunk = f"lag-{unique}", 8, 50
    await create_topic(kafka_bootstrap, topic, 1)
    for n in range(chunks):  # separate produce requests: separate batches on the broker
        await produce(
            kafka_bootstrap,
            topic,
            [(None, json.dumps({"n": n, "i": i}).encode()) for i in range(per_chunk)],
        )
    name = f"lagging-{unique}"
    async with Running(worker(kafka_bootstrap, unique)) as w:
        await w.herder.put_connector_config(
            name,
            {
                "connector.class": f"{PLUGINS}:CountingSink",
                "topics": topic,
                "pause.after.first": "true",
                "value.converter": "bytes",
                "consumer.override.max.partition.fetch.bytes": 1,
                "consumer.override.fetch.max.bytes": 1,
            },
            allow_replace=False,
        )

        async def lagging() -> Any:
            s = await scrape(w.url)
            read = value(
                s, "kafka_connect_sink_task_sink_record_read_total", connector=name, task=0
            )
            lag = value(s, "kafka_connect_sink_task_sink_record_lag_max", connector=name, task=0)
            return (read, lag) if read and lag else None

        read, lag = await wait_until(lagging, timeout=30, interval=0.3, message="lag measured")
        assert 0 < read < chunks * per_chunk
        assert lag == chunks * per_chunk - read
        # the task's own metrics arrive through its context, tagged with connector and task
        s = await scrape(w.url)
        assert value(s, "test_plugin_records_total", connector=name, task=0, topic=topic) == read
        assert value(s, "test_plugin_value_bytes_max", connector=name, task=0) > 0
        await w.herder.delete_connector(name)
        s = await scrape(w.url)
        assert not names(s, connector=name), "plugin metrics go when the task stops"
