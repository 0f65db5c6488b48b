"""Real distributed workers: kill -9 moves work within the bound, loses nothing; a
joining worker takes a share; SIGTERM exits 0 after handing over."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers.kafka import SESSION_MS, create_topic
from tests.helpers.net import free_port
from tests.helpers.process import WorkerProcess, write_worker_config
from tests.helpers.wait import wait_until

pytestmark = [pytest.mark.system, pytest.mark.kafka]

COUNT = 3000
# Apache Kafka refuses sessions under group.min.session.timeout.ms (6 s by default)
DELAY_MS = 1000


class Node:
    def __init__(self, tmp: Path, bootstrap: str, unique: str, index: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.worker_id = f"127.0.0.1:{self.port}"
        settings = {
            "group.id": f"cluster-{unique}",
            "config.storage.topic": f"configs-{unique}",
            "offset.storage.topic": f"offsets-{unique}",
            "status.storage.topic": f"status-{unique}",
            "offset.storage.partitions": 3,
            "status.storage.partitions": 2,
            "session.timeout.ms": SESSION_MS,
            "heartbeat.interval.ms": 100,
            "rebalance.timeout.ms": 5000,
            "scheduled.rebalance.max.delay.ms": DELAY_MS,
            "offset.flush.interval.ms": 200,
            "listeners": self.url,
        }
        config = write_worker_config(
            tmp / f"worker{index}.properties",
            bootstrap,
            **{k.replace(".", "_"): v for k, v in settings.items()},
        )
        self.proc = WorkerProcess(["distributed", str(config)])

    def start(self) -> Node:
        self.proc.start()
        return self

    def get(self, path: str) -> Any:
        return httpx.get(self.url + path, timeout=5).json()


def _ids(path: Path) -> set[int]:
    if not path.exists():
        return set()
    return {int(m) for m in re.findall(rb"(\d+):", path.read_bytes())}


def _placement(view: tuple[dict[str, Any], ...]) -> list[Any]:
    return [
        (s["connector"]["state"], [(t["id"], t["state"], t["worker_id"]) for t in s["tasks"]])
        for s in view
    ]


def _states(status: dict[str, Any]) -> list[str]:
    return [status["connector"]["state"]] + [t["state"] for t in status["tasks"]]


async def test_kill9_failover_join_and_graceful_stop(
    tmp_path: Path, kafka_bootstrap: str, unique: str
) -> None:
    topic = f"gen-{unique}"
    await create_topic(kafka_bootstrap, topic, 3)
    out = tmp_path / "sink.txt"
    nodes = [Node(tmp_path, kafka_bootstrap, unique, i) for i in range(4)]
    a, b, c, d = nodes
    try:
        for n in (a, b, c):
            n.start()
        for n in (a, b, c):
            await asyncio.to_thread(n.proc.wait_ready, 30)

        async with httpx.AsyncClient(timeout=10) as http:
            r = await http.post(
                b.url + "/connectors",
                json={
                    "name": "gen",
                    "config": {
                        "connector.class": "datagen",
                        "kafka.topic": topic,
                        "tasks.max": 2,
                        "max.records": COUNT,
                        "rate": 150,
                        "batch.size": 50,
                        "record.size": 16,
                        "value.format": "bytes",
                        "value.converter": "bytes",
                    },
                },
            )
            assert r.status_code == 201, r.text
            r = await http.post(
                c.url + "/connectors",
                json={
                    "name": "sink",
                    "config": {
                        "connector.class": "file-sink",
                        "topics": topic,
                        "file": str(out),
                        "value.converter": "bytes",
                    },
                },
            )
            assert r.status_code == 201, r.text

        def all_running() -> bool:
            views = [
                (n.get("/connectors/gen/status"), n.get("/connectors/sink/status"))
                for n in (a, b, c)
            ]
            # the live figures under "metrics" differ from moment to moment: states must agree
            same = _placement(views[0]) == _placement(views[1]) == _placement(views[2])
            return (
                same
                and all(s == "RUNNING" for g, k in views[:1] for s in _states(g) + _states(k))
                and len(views[0][0]["tasks"]) == 2
            )

        await wait_until(all_running, timeout=30, message="both connectors RUNNING everywhere")
        sink = a.get("/connectors/sink/status")
        gen = a.get("/connectors/gen/status")
        owners = {t["worker_id"] for t in gen["tasks"]} | {sink["tasks"][0]["worker_id"]}
        assert owners == {a.worker_id, b.worker_id, c.worker_id}  # 3 tasks on 3 workers

        victim = next(n for n in (a, b, c) if n.worker_id == sink["tasks"][0]["worker_id"])
        survivors = [n for n in (a, b, c) if n is not victim]
        await wait_until(lambda: len(_ids(out)) > 100, timeout=20, message="sink writing")
        victim.proc.kill()
        killed_at = time.monotonic()

        def moved() -> bool:
            task = survivors[0].get("/connectors/sink/status")["tasks"][0]
            return task["state"] == "RUNNING" and task["worker_id"] != victim.worker_id

        await wait_until(moved, timeout=30, message="sink task running elsewhere")
        took = time.monotonic() - killed_at
        bound = (SESSION_MS + DELAY_MS) / 1000
        print(f"failover took {took:.1f}s (bound {bound}s)")
        # slack: up to a heartbeat for the others to learn of the rebalance, the
        # rebalance itself, starting the task and publishing its status
        assert took < bound + 3, f"took {took:.1f}s, bound {bound}s"

        d.start()
        await asyncio.to_thread(d.proc.wait_ready, 30)

        def joined() -> bool:
            g = survivors[0].get("/connectors/gen/status")
            k = survivors[0].get("/connectors/sink/status")
            return any(
                t["worker_id"] == d.worker_id and t["state"] == "RUNNING"
                for t in g["tasks"] + k["tasks"]
            )

        await wait_until(joined, timeout=30, message="the fourth worker runs a task")

        await wait_until(
            lambda: _ids(out) >= set(range(COUNT)), timeout=40, message="every record at the sink"
        )
        remaining = [*survivors, d]
        codes = await asyncio.gather(*(asyncio.to_thread(n.proc.terminate, 30) for n in remaining))
        assert codes == [0, 0, 0], [n.proc.output for n in remaining]
    except BaseException:
        for n in nodes:
            print(f"---- {n.worker_id}\n{n.proc.output}")
        raise
    finally:
        for n in nodes:
            n.proc.kill()
