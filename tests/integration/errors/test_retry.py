"""errors.retry.timeout through the real worker: a sink whose target fails for a while."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from connect.herder.standalone import StandaloneHerder
from tests.helpers.kafka import create_topic, produce
from tests.helpers.wait import wait_until
from tests.integration.errors.support import lines, task_in_state, worker_config

pytestmark = pytest.mark.kafka

COUNT = 200


def flaky_sink(topic: str, out: Path, **options: Any) -> dict[str, Any]:
    return {
        "connector.class": "tests.plugins_errors:FlakySink",
        "file": str(out),
        "topics": topic,
        "value.converter": "json",
        "value.converter.schemas.enable": False,
        "errors.retry.delay.max.ms": 100,
        **options,
    }


async def _topic_with_records(bootstrap: str, topic: str) -> list[str]:
    await create_topic(bootstrap, topic)
    values = [json.dumps({"n": n}) for n in range(COUNT)]
    await produce(bootstrap, topic, [(None, v.encode()) for v in values])
    return values


async def test_transient_failures_are_retried_then_succeed(
    tmp_path: Path, kafka_bootstrap: str, unique: str
) -> None:
    topic, out, name = f"in-{unique}", tmp_path / "out.txt", f"sink-{unique}"
    values = await _topic_with_records(kafka_bootstrap, topic)
    config = flaky_sink(topic, out, **{"fail.puts": 4, "errors.retry.timeout": 10_000})
    async with StandaloneHerder.running(
        worker_config(kafka_bootstrap, unique), [{"name": name, "config": config}]
    ) as herder:
        await herder.wait_for_state(name, "RUNNING")
        await wait_until(lambda: len(lines(out)) >= COUNT, timeout=20, message="all records")
        task = herder.status(name)["tasks"][0]
    assert task["state"] == "RUNNING"
    assert Counter(lines(out)) == Counter(values)  # nothing lost, nothing doubled
    assert task["errors"]["retries"] == 4
    assert task["errors"]["records_failed"] == 0


async def test_past_the_retry_timeout_the_task_fails_with_the_cause(
    tmp_path: Path, kafka_bootstrap: str, unique: str
) -> None:
    topic, out, name = f"in-{unique}", tmp_path / "out.txt", f"sink-{unique}"
    await _topic_with_records(kafka_bootstrap, topic)
    config = flaky_sink(topic, out, **{"fail.seconds": 60, "errors.retry.timeout": 800})
    async with StandaloneHerder.running(
        worker_config(kafka_bootstrap, unique), [{"name": name, "config": config}]
    ) as herder:
        task = await task_in_state(herder, name, "FAILED", timeout=20)
    last_line = task["trace"].strip().splitlines()[-1]
    assert "TASK_PUT failed for a batch of" in last_line
    assert f"{topic}-0[0.." in last_line
    assert "tests.plugins_errors.FlakySinkTask" in last_line
    assert "RetriableError: target unavailable" in last_line
    # 0.1 s apart (the max delay) for 0.8 s: a handful of retries, not a spin
    assert 3 <= task["errors"]["retries"] <= 9
    assert task["errors"]["records_failed"] == 1
    assert lines(out) == []
