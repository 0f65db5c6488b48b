"""A real ``smart-connect standalone`` process: progress log lines, ``status``, ``top``
and ``/metrics`` agree on the records moved."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.kafka import SESSION_MS, create_topic
from tests.helpers.net import free_port
from tests.helpers.process import WorkerProcess, run_cli, write_task, write_worker_config
from tests.helpers.wait import wait_until
from tests.integration.metrics.support import scrape, value

pytestmark = [pytest.mark.system, pytest.mark.kafka]

COUNT = 5000


def test_progress_log_status_and_top(tmp_path: Path, kafka_bootstrap: str, unique: str) -> None:
    topic = f"cli-{unique}"
    asyncio.run(create_topic(kafka_bootstrap, topic, 2))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    worker = write_worker_config(
        tmp_path / "worker.properties",
        kafka_bootstrap,
        offset_storage_topic=f"offsets-{unique}",
        consumer_session_timeout_ms=SESSION_MS,
        consumer_heartbeat_interval_ms=300,
        listeners=url,
        log_progress_interval_ms=500,
    )
    src, sink = f"src-{unique}", f"sink-{unique}"
    source = write_task(
        tmp_path / "source.json",
        src,
        {
            "connector.class": "datagen",
            "kafka.topic": topic,
            "max.records": COUNT,
            "batch.size": 100,
            "value.converter": "json",
            "value.converter.schemas.enable": False,
        },
    )
    sink_file = write_task(
        tmp_path / "sink.json",
        sink,
        {
            "connector.class": "file-sink",
            "topics": topic,
            "file": str(tmp_path / "out.txt"),
            "value.converter": "json",
            "value.converter.schemas.enable": False,
        },
    )
    args = ["standalone", str(worker), str(source), str(sink_file), "--log-format", "json"]
    with WorkerProcess(args) as proc:
        proc.wait_ready()

        def line(connector: str, **want: Any) -> dict[str, Any] | None:
            for event in proc.events():
                mine = event.get("event") == "progress" and event.get("connector") == connector
                committed = "last_commit_age_s" in event  # and both committed since
                if mine and committed and all(event.get(k) == v for k, v in want.items()):
                    return event
            return None

        def progressed() -> tuple[dict[str, Any], dict[str, Any]] | None:
            sink_line = line(sink, records=COUNT, lag=0)
            source_line = line(src, records=COUNT, in_flight=0)
            return (sink_line, source_line) if sink_line and source_line else None

        event, _ = asyncio.run(
            wait_until(progressed, timeout=60, interval=0.2, message="progress lines")
        )
        assert event["task"] == 0 and event["state"] == "RUNNING"
        assert "records_per_s" in event

        done = run_cli("status", "--url", url, "--json")
        assert done.returncode == 0, done.stderr
        statuses = {s["name"]: s for s in json.loads(done.stdout)}
        for name in (src, sink):
            metrics = statuses[name]["tasks"][0]["metrics"]
            assert metrics["records_total"] == COUNT
            assert metrics["last_commit_age_s"] is not None
        assert statuses[sink]["tasks"][0]["metrics"]["lag"] == 0

        one = run_cli("status", sink, "--url", url)
        assert one.returncode == 0, one.stderr
        assert sink in one.stdout and "RUNNING" in one.stdout and "5,000" in one.stdout

        snap = run_cli("top", "--json", "--url", url)
        assert snap.returncode == 0, snap.stderr
        assert sorted(s["name"] for s in json.loads(snap.stdout)) == sorted([src, sink])

        s = asyncio.run(scrape(url))
        assert (
            value(s, "kafka_connect_sink_task_sink_record_read_total", connector=sink, task=0)
            == COUNT
        )
        assert proc.terminate() == 0


def test_status_of_an_unknown_connector_is_one_clear_line(
    tmp_path: Path, kafka_bootstrap: str, unique: str
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    worker = write_worker_config(
        tmp_path / "worker.properties",
        kafka_bootstrap,
        offset_storage_topic=f"offsets-{unique}",
        listeners=url,
    )
    topic = f"unknown-{unique}"
    asyncio.run(create_topic(kafka_bootstrap, topic, 1))
    task = write_task(
        tmp_path / "task.json",
        f"gen-{unique}",
        {"connector.class": "datagen", "kafka.topic": topic, "max.records": 10},
    )
    with WorkerProcess(["standalone", str(worker), str(task), "--log-format", "json"]) as proc:
        proc.wait_ready()
        result = run_cli("status", "nope", "--url", url)
        assert result.returncode == 1
        assert result.stderr.strip().splitlines() == ["error 404 Connector nope not found"]
        assert proc.terminate() == 0
