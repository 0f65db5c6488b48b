"""errors.tolerance through the real worker: undecodable JSON and failing transforms.

``none``: the task fails on the first bad record and its status names it.
``all`` + DLQ: every bad record is in the DLQ with its context headers and its original
key, value and headers; every good one reached the file sink; the counters add up.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connect.herder.standalone import StandaloneHerder
from tests.helpers.kafka import committed, consume, create_topic, end_offsets, produce
from tests.helpers.wait import wait_until
from tests.integration.errors.support import (
    MixedStream,
    context,
    lines,
    origin,
    task_in_state,
    worker_config,
)

pytestmark = pytest.mark.kafka


def file_sink(topic: str, out: Path, **errors: Any) -> dict[str, Any]:
    return {
        "connector.class": "file-sink",
        "file": str(out),
        "topics": topic,
        "key.converter": "string",
        "value.converter": "json",
        "value.converter.schemas.enable": False,
        "transforms": "reject",
        "transforms.reject.type": "tests.plugins_errors:RejectMarked",
        **errors,
    }


async def test_tolerance_none_fails_and_names_the_record(
    tmp_path: Path, kafka_bootstrap: str, unique: str
) -> None:
    topic, out, name = f"in-{unique}", tmp_path / "out.txt", f"sink-{unique}"
    await create_topic(kafka_bootstrap, topic)
    records = [(b"k", json.dumps({"n": n}).encode()) for n in range(5)]
    records += [(b"k", b"{not json"), (b"k", b'{"n": 6}')]
    await produce(kafka_bootstrap, topic, records)

    sink = {"name": name, "config": file_sink(topic, out)}
    async with StandaloneHerder.running(worker_config(kafka_bootstrap, unique), [sink]) as herder:
        task = await task_in_state(herder, name, "FAILED")
    last_line = task["trace"].strip().splitlines()[-1]
    assert f"VALUE_CONVERTER failed for topic={topic} partition=0 offset=5" in last_line
    assert "connect.converters.json.JsonConverter" in last_line
    assert "DataError: not valid JSON" in last_line
    assert "During handling" not in task["trace"]  # one clean cause chain
    assert task["errors"]["records_failed"] == 1
    assert task["errors"]["records_skipped"] == 0
    # nothing past the bad record was committed
    group = await committed(kafka_bootstrap, f"connect-{name}", [(topic, 0)])
    assert (group[(topic, 0)] or 0) <= 5


async def test_tolerance_all_sends_bad_records_to_the_dlq(
    tmp_path: Path, kafka_bootstrap: str, unique: str
) -> None:
    topic, dlq, out, name = f"in-{unique}", f"dlq-{unique}", tmp_path / "out.txt", f"s-{unique}"
    stream = MixedStream(partitions=2, count=400)
    await create_topic(kafka_bootstrap, topic, partitions=2)
    assert await produce(kafka_bootstrap, topic, stream.records) == stream.count

    config = file_sink(
        topic,
        out,
        **{
            "errors.tolerance": "all",
            "errors.log.enable": True,
            "errors.deadletterqueue.topic.name": dlq,  # created by the runtime
            "errors.deadletterqueue.topic.replication.factor": 1,
            "errors.deadletterqueue.context.headers.enable": True,
        },
    )
    async with StandaloneHerder.running(
        worker_config(kafka_bootstrap, unique), [{"name": name, "config": config}]
    ) as herder:
        await herder.wait_for_state(name, "RUNNING")
        await wait_until(
            lambda: len(lines(out)) >= len(stream.good), timeout=30, message="good records"
        )

        async def caught_up() -> bool:
            ends = await end_offsets(kafka_bootstrap, topic, 2)
            group = await committed(kafka_bootstrap, f"connect-{name}", [(topic, 0), (topic, 1)])
            return all(group[(topic, p)] == ends[p] for p in range(2))

        # wait_until types async conditions poorly (T | Awaitable[T] infers Never)
        await wait_until(caught_up, timeout=30, message="committed")
        task = herder.status(name)["tasks"][0]

    assert task["state"] == "RUNNING"
    # the sink got every good record exactly once (no restarts here)
    written = sorted(json.loads(line)["n"] for line in lines(out))
    assert written == [v["n"] for v in stream.good]

    dead = await consume(kafka_bootstrap, dlq, stream.bad, timeout=15)
    assert len(dead) == stream.bad
    assert len(stream.good) + len(dead) == stream.count
    assert task["errors"] == {
        "records_failed": stream.bad,
        "records_skipped": stream.bad,
        "retries": 0,
        "records_sent_to_dlq": stream.bad,
    }

    by_origin = {origin(m): m for m in dead}
    assert set(by_origin) == set(stream.bad_json) | set(stream.rejected)
    for where, msg in by_origin.items():
        original = stream.bad_json.get(where) or stream.rejected[where]
        # the original raw record, untouched
        assert msg.key == original["key"]
        assert msg.value == original["value"]
        assert [h for h in msg.headers if not h[0].startswith("__connect")] == original["headers"]
        ctx = context(msg)
        stacktrace = ctx.pop("exception.stacktrace")
        assert "Traceback" in stacktrace
        message = ctx.pop("exception.message")
        expected = {
            "topic": topic,
            "partition": str(where[0]),
            "offset": str(where[1]),
            "connector.name": name,
            "task.id": "0",
            "exception.class.name": "connect.api.errors.DataError",
        }
        if where in stream.bad_json:
            expected |= {
                "stage": "VALUE_CONVERTER",
                "class.name": "connect.converters.json.JsonConverter",
            }
            assert message.startswith("not valid JSON")
        else:
            expected |= {
                "stage": "TRANSFORMATION",
                "class.name": "tests.plugins_errors.RejectMarked",
            }
            assert message == f"record {json.loads(original['value'])['n']} is marked reject"
        assert ctx == expected
