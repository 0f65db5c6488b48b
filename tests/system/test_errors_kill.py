"""kill -9 between dead-letter writes and the commit, through the real CLI.

The sink first commits rarely (``offset.flush.interval.ms`` = 60 s), so the DLQ holds
every bad record well before any offset is committed. The worker is killed in that window;
after a restart every good record is in the sink and every bad one in the DLQ, at
least once — and the only duplicates are the re-delivered, uncommitted records.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.kafka import SESSION_MS, committed, consume, create_topic, end_offsets, produce
from tests.helpers.process import WorkerProcess, write_task, write_worker_config
from tests.helpers.wait import wait_until
from tests.integration.errors.support import MixedStream, lines, origin

pytestmark = [pytest.mark.system, pytest.mark.kafka]

REPO = Path(__file__).resolve().parents[2]
PARTITIONS = 2


def test_kill_9_between_dlq_write_and_commit_loses_nothing(
    tmp_path: Path, kafka_bootstrap: str, unique: str
) -> None:
    topic, dlq, out, name = f"in-{unique}", f"dlq-{unique}", tmp_path / "out.txt", f"s-{unique}"
    stream = MixedStream(partitions=PARTITIONS, count=600)
    tps = [(topic, p) for p in range(PARTITIONS)]

    async def setup() -> None:
        await create_topic(kafka_bootstrap, topic, PARTITIONS)
        await create_topic(kafka_bootstrap, dlq)
        await produce(kafka_bootstrap, topic, stream.records)

    asyncio.run(setup())

    def worker(path: str, flush_ms: int) -> Path:
        return write_worker_config(
            tmp_path / path,
            kafka_bootstrap,
            offset_storage_topic=f"offsets-{unique}",
            offset_flush_interval_ms=flush_ms,
            consumer_session_timeout_ms=SESSION_MS,
            consumer_heartbeat_interval_ms=300,
        )

    task = write_task(
        tmp_path / "sink.json",
        name,
        {
            "connector.class": "file-sink",
            "file": str(out),
            "topics": topic,
            "key.converter": "string",
            "value.converter": "json",
            "value.converter.schemas.enable": False,
            "transforms": "reject",
            "transforms.reject.type": "tests.plugins_errors:RejectMarked",
            "errors.tolerance": "all",
            "errors.deadletterqueue.topic.name": dlq,
            "errors.deadletterqueue.topic.replication.factor": 1,
            "errors.deadletterqueue.context.headers.enable": True,
        },
    )
    # first run: commits only after 60 s; after the restart: every 300 ms (the file
    # sink's lines reach the disk at commit time)
    rare, often = worker("rare.properties", 60_000), worker("often.properties", 300)
    first_args = ["standalone", str(rare), str(task), "--log-format", "json"]
    second_args = ["standalone", str(often), str(task), "--log-format", "json"]
    env = {"PYTHONPATH": str(REPO)}  # for tests.plugins_errors

    async def dead_letters() -> list[Any]:
        return await consume(kafka_bootstrap, dlq, 10 * stream.bad, timeout=0.5)

    async def dlq_holds_every_bad_record() -> bool:
        return len({origin(m) for m in await dead_letters()}) == stream.bad

    async def dlq_redelivered() -> bool:
        return len(await dead_letters()) >= 2 * stream.bad

    with WorkerProcess(first_args, env) as first:
        first.wait_ready()
        asyncio.run(wait_until(dlq_holds_every_bad_record, timeout=30, message="DLQ full"))
        at_kill = asyncio.run(committed(kafka_bootstrap, f"connect-{name}", tps))
        first.kill()
    assert all(v is None for v in at_kill.values()), f"a commit came before the kill: {at_kill}"

    good = Counter(json.dumps(v, separators=(",", ":")) for v in stream.good)

    def sink_complete() -> bool:
        return not good - Counter(lines(out))

    async def caught_up() -> bool:
        ends = await end_offsets(kafka_bootstrap, topic, PARTITIONS)
        done = await committed(kafka_bootstrap, f"connect-{name}", tps)
        return all(done[(topic, p)] == ends[p] for p in range(PARTITIONS))

    with WorkerProcess(second_args, env) as second:
        second.wait_ready()
        asyncio.run(wait_until(sink_complete, timeout=30, message="every good record"))
        # nothing was committed before the kill, so everything is delivered again:
        # the DLQ gets every bad record a second time
        asyncio.run(wait_until(dlq_redelivered, timeout=30, message="re-delivered"))
        assert second.terminate() == 0  # a graceful stop commits
    assert asyncio.run(caught_up())

    written = Counter(lines(out))
    assert not good - written  # every good record at least once
    assert set(written) == set(good)  # and nothing else
    dead = asyncio.run(dead_letters())
    per_origin = Counter(origin(m) for m in dead)
    assert set(per_origin) == set(stream.bad_json) | set(stream.rejected)
    assert all(1 <= n <= 2 for n in per_origin.values())
    for msg in dead:
        where = origin(msg)
        assert msg.value == (stream.bad_json.get(where) or stream.rejected[where])["value"]
    print(
        f"good {len(stream.good)}, bad {stream.bad}: sink wrote {sum(written.values())} lines, "
        f"DLQ holds {len(dead)}"
    )
