"""The source side through the real worker: poll retries and tolerated conversion failures."""

from __future__ import annotations

import json

import pytest

from connect.herder.standalone import StandaloneHerder
from tests.helpers.kafka import consume, create_topic
from tests.helpers.wait import wait_until
from tests.integration.errors.support import worker_config

pytestmark = pytest.mark.kafka

COUNT, BAD_EVERY, FAILED_POLLS = 300, 10, 3


async def test_poll_retries_and_unconvertible_values_are_skipped(
    kafka_bootstrap: str, unique: str
) -> None:
    topic, name = f"out-{unique}", f"src-{unique}"
    await create_topic(kafka_bootstrap, topic)
    config = {
        "connector.class": "tests.plugins_errors:FlakySource",
        "topic": topic,
        "count": COUNT,
        "fail.polls": FAILED_POLLS,
        "bad.every": BAD_EVERY,
        "value.converter": "json",
        "value.converter.schemas.enable": False,
        "errors.tolerance": "all",
        "errors.retry.timeout": 10_000,
        "errors.retry.delay.max.ms": 50,
    }
    async with StandaloneHerder.running(
        worker_config(kafka_bootstrap, unique), [{"name": name, "config": config}]
    ) as herder:
        await herder.wait_for_state(name, "RUNNING")

        async def offset_stored() -> bool:
            offsets = await herder.get_offsets(name)
            return [o["offset"] for o in offsets] == [{"next": COUNT}]

        # the stored offset passes the skipped records too: they are not re-read
        await wait_until(offset_stored, timeout=20, message="offset of the last record")
        task = herder.status(name)["tasks"][0]

    bad = COUNT // BAD_EVERY
    on_kafka = await consume(kafka_bootstrap, topic, COUNT - bad, timeout=10)
    assert [json.loads(m.value)["n"] for m in on_kafka] == [
        n for n in range(COUNT) if n % BAD_EVERY != BAD_EVERY - 1
    ]
    assert task["state"] == "RUNNING"
    assert task["errors"] == {
        "records_failed": bad,
        "records_skipped": bad,
        "retries": FAILED_POLLS,
        "records_sent_to_dlq": 0,
    }
