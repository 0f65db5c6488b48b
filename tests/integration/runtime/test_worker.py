"""The standalone worker in-process against a real broker: restarts, offsets, commits."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from connect.herder.standalone import StandaloneHerder
from tests.helpers.kafka import SESSION_MS, committed, create_topic, end_offsets
from tests.helpers.wait import wait_until
from tests.plugins import AlwaysFailingTask, LaggingCommitTask

pytestmark = pytest.mark.kafka


def worker(bootstrap: str, unique: str, **extra: Any) -> dict[str, Any]:
    return {
        "bootstrap.servers": bootstrap,
        "offset.storage.topic": f"offsets-{unique}",
        "offset.flush.interval.ms": 200,
        "task.restart.backoff.initial.ms": 100,
        "task.restart.backoff.max.ms": 2000,
        "consumer.session.timeout.ms": SESSION_MS,
        "consumer.heartbeat.interval.ms": 300,
        **extra,
    }


def datagen(name: str, topic: str, count: int) -> dict[str, Any]:
    return {
        "name": name,
        "config": {
            "connector.class": "datagen",
            "kafka.topic": topic,
            "max.records": count,
            "value.converter": "json",
            "value.converter.schemas.enable": False,
            "batch.size": 100,
        },
    }


async def test_failing_task_restarts_with_backoff_and_others_run(
    kafka_bootstrap: str, unique: str
) -> None:
    topic = f"good-{unique}"
    await create_topic(kafka_bootstrap, topic)
    bad = {
        "name": f"bad-{unique}",
        "config": {"connector.class": "tests.plugins:AlwaysFailingSource"},
    }
    async with StandaloneHerder.running(
        worker(kafka_bootstrap, unique), [bad, datagen(f"good-{unique}", topic, 3000)]
    ) as herder:
        attempts = AlwaysFailingTask.attempts
        await wait_until(lambda: len(attempts.get(f"bad-{unique}", [])) >= 5, timeout=20)
        status = herder.status(f"bad-{unique}")["tasks"][0]
        assert status["state"] in ("FAILED", "RUNNING")
        await wait_until(
            lambda: herder.status(f"bad-{unique}")["tasks"][0]["state"] == "FAILED", timeout=5
        )
        assert "boom: this task always fails" in herder.status(f"bad-{unique}")["tasks"][0]["trace"]
        # the healthy connector finished its work while the other one kept failing
        await wait_until(lambda: _has(kafka_bootstrap, topic, 3000), timeout=30)
        assert herder.status(f"good-{unique}")["tasks"][0]["state"] == "RUNNING"
    starts = attempts[f"bad-{unique}"]
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    # exponential backoff: 0.1 s, 0.2 s, 0.4 s, 0.8 s between attempts (plus start-up time,
    # which is largest for the first attempt, so compare from the second gap on)
    assert all(later > earlier for earlier, later in itertools.pairwise(gaps[1:])), gaps
    assert gaps[3] >= 0.8, gaps


async def end_sum(bootstrap: str, topic: str) -> int:
    return sum((await end_offsets(bootstrap, topic, 1)).values())


async def _has(bootstrap: str, topic: str, n: int) -> bool:
    return await end_sum(bootstrap, topic) == n


@pytest.mark.parametrize("store", ["kafka", "file"])
async def test_source_offsets_survive_restart(
    kafka_bootstrap: str, unique: str, tmp_path: Path, store: str
) -> None:
    topic = f"resume-{unique}"
    await create_topic(kafka_bootstrap, topic)
    extra = (
        {"offset.storage.file.filename": str(tmp_path / "offsets.json")} if store == "file" else {}
    )
    config = worker(kafka_bootstrap, unique, **extra)
    name = f"gen-{unique}"
    async with StandaloneHerder.running(config, [datagen(name, topic, 1500)]) as herder:
        await wait_until(lambda: _has(kafka_bootstrap, topic, 1500), timeout=30)
        store_obj = await herder.worker.offset_store()
        await wait_until(
            lambda: store_obj.get(name, {"datagen": name, "task": 0}) == {"seq": 1500}, timeout=10
        )
    if store == "file":
        assert (tmp_path / "offsets.json").exists()
    # a new worker process (fresh herder) with a higher count continues, never repeats
    async with StandaloneHerder.running(config, [datagen(name, topic, 4000)]):
        await wait_until(lambda: _has(kafka_bootstrap, topic, 4000), timeout=30)
    assert await end_sum(kafka_bootstrap, topic) == 4000


async def test_sink_commits_only_what_pre_commit_returns(kafka_bootstrap: str, unique: str) -> None:
    topic = f"commit-{unique}"
    await create_topic(kafka_bootstrap, topic)
    source = datagen(f"gen-{unique}", topic, 500)
    sink = {
        "name": f"lag-{unique}",
        "config": {
            "connector.class": "tests.plugins:LaggingCommitSink",
            "topics": topic,
            "lag": 7,
            "value.converter": "json",
            "value.converter.schemas.enable": False,
        },
    }
    async with StandaloneHerder.running(worker(kafka_bootstrap, unique), [source, sink]):
        await wait_until(lambda: LaggingCommitTask.seen.get(f"lag-{unique}", 0) >= 500, timeout=30)

        async def committed_offset() -> int | None:
            return (await committed(kafka_bootstrap, f"connect-lag-{unique}", [(topic, 0)]))[
                (topic, 0)
            ]

        assert await wait_until(lambda: _equals(committed_offset(), 493), timeout=10)


async def _equals(value: Any, expected: Any) -> bool:
    return (await value) == expected


async def test_backpressure_pauses_and_loses_nothing(kafka_bootstrap: str, unique: str) -> None:
    from tests.plugins import SlowTargetTask

    topic = f"slow-{unique}"
    await create_topic(kafka_bootstrap, topic, 2)
    name = f"slow-{unique}"
    sink = {
        "name": name,
        "config": {
            "connector.class": "tests.plugins:SlowTargetSink",
            "topics": topic,
            "refusals": 3,
            "value.converter": "json",
            "value.converter.schemas.enable": False,
        },
    }
    async with StandaloneHerder.running(
        worker(kafka_bootstrap, unique), [datagen(f"gen-{unique}", topic, 2000), sink]
    ) as herder:
        tid = next(t for t in herder.worker.tasks if t.connector == name)

        def consumer() -> Any:
            runner = herder.worker.tasks[tid].runner
            return runner.consumer if runner else None

        # while the target refuses, fetching stops: every assigned partition is paused
        await wait_until(
            lambda: (
                consumer() is not None
                and consumer().assignment()
                and consumer().paused() == consumer().assignment()
            ),
            timeout=20,
            interval=0.01,
        )
        await wait_until(lambda: len(SlowTargetTask.taken.get(name, [])) >= 2000, timeout=30)
        assert not consumer().paused()
    ids = sorted(v["id"] for v in SlowTargetTask.taken[name])
    assert ids == list(range(2000)), "every record delivered exactly once in this run"
