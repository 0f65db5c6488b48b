"""file-source → Kafka → file-sink through the real CLI, including kill -9."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

from tests.helpers.kafka import SESSION_MS, committed, create_topic, end_offsets
from tests.helpers.process import WorkerProcess, write_task, write_worker_config
from tests.helpers.wait import wait_until

pytestmark = [pytest.mark.system, pytest.mark.kafka]

LINES = 100_000


def _line_count(path: Path) -> int:
    if not path.exists():
        return 0
    with path.open("rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))


def _setup(
    tmp_path: Path, bootstrap: str, unique: str, **worker: str
) -> tuple[Path, Path, list[str]]:
    src, out = tmp_path / "in.txt", tmp_path / "out.txt"
    src.write_text("".join(f"line {i} {'x' * (i % 40)}\n" for i in range(LINES)))
    asyncio.run(create_topic(bootstrap, unique, 3))
    worker_cfg = write_worker_config(
        tmp_path / "worker.properties",
        bootstrap,
        offset_storage_topic=f"offsets-{unique}",
        consumer_session_timeout_ms=SESSION_MS,
        consumer_heartbeat_interval_ms=300,
        **worker,
    )
    source = write_task(
        tmp_path / "source.json",
        f"src-{unique}",
        {
            "connector.class": "file-source",
            "file": str(src),
            "topic": unique,
            "value.converter": "string",
            "batch.size": 500,
        },
    )
    sink = write_task(
        tmp_path / "sink.json",
        f"sink-{unique}",
        {
            "connector.class": "file-sink",
            "file": str(out),
            "topics": unique,
            "value.converter": "string",
        },
    )
    return src, out, ["standalone", str(worker_cfg), str(source), str(sink), "--log-format", "json"]


def test_round_trip_100k_lines(tmp_path: Path, kafka_bootstrap: str, unique: str) -> None:
    src, out, args = _setup(tmp_path, kafka_bootstrap, unique)
    with WorkerProcess(args) as worker:
        worker.wait_ready()
        asyncio.run(wait_until(lambda: _line_count(out) >= LINES, timeout=120, message="all lines"))
        assert worker.terminate() == 0
    # partitions reorder lines across the topic; as a multiset they must be identical
    assert Counter(out.read_text().splitlines()) == Counter(src.read_text().splitlines())


def test_kill_9_mid_run_loses_nothing(tmp_path: Path, kafka_bootstrap: str, unique: str) -> None:
    src, out, args = _setup(tmp_path, kafka_bootstrap, unique)
    expected = Counter(src.read_text().splitlines())
    with WorkerProcess(args) as first:
        first.wait_ready()
        asyncio.run(
            wait_until(lambda: _line_count(out) >= LINES // 3, timeout=60, message="a third")
        )
        first.kill()
    killed_at = _line_count(out)
    assert killed_at < LINES, "the kill must land mid-run"
    group, tps = f"connect-sink-{unique}", [(unique, p) for p in range(3)]
    committed_at_kill = sum(
        v or 0 for v in asyncio.run(committed(kafka_bootstrap, group, tps)).values()
    )

    def complete() -> bool:
        return not expected - Counter(out.read_text().splitlines())

    with WorkerProcess(args) as second:
        second.wait_ready()
        asyncio.run(wait_until(complete, timeout=120, interval=0.5, message="every line"))
        # the sink has caught up when its group committed the end of every partition
        asyncio.run(wait_until(lambda: sink_caught_up(kafka_bootstrap, unique), timeout=30))
        assert second.terminate() == 0
    got = Counter(out.read_text().splitlines())
    assert not expected - got
    duplicates = sum((got - expected).values())
    # only what was not checkpointed can come again: the sink re-writes what it wrote
    # past its last commit; the source re-sends what it sent past its last offset flush
    # (those extra records are in the topic)
    source_resent = sum(asyncio.run(end_offsets(kafka_bootstrap, unique, 3)).values()) - LINES
    sink_rewritten = killed_at - committed_at_kill
    assert duplicates <= sink_rewritten + source_resent
    print(
        f"killed at {killed_at}: {duplicates} duplicates "
        f"(sink uncommitted {sink_rewritten}, source re-sent {source_resent})"
    )


async def sink_caught_up(bootstrap: str, unique: str) -> bool:
    ends = await end_offsets(bootstrap, unique, 3)
    done = await committed(bootstrap, f"connect-sink-{unique}", [(unique, p) for p in range(3)])
    return all((done[(unique, p)] or 0) == ends[p] for p in range(3))
