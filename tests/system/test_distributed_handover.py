"""Hand-overs between real distributed workers with the default group settings.

A create is visible on every worker at once and runs within seconds; a killed worker's
tasks are UNASSIGNED as soon as the group knows it is gone and run elsewhere in under
10 s; when a worker comes back, the tasks that stay where they are keep running.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers.kafka import create_topic
from tests.helpers.net import free_port
from tests.helpers.process import WorkerProcess, write_worker_config
from tests.helpers.wait import wait_until

pytestmark = [pytest.mark.system, pytest.mark.kafka]

TASKS = 6


class Node:
    """One ``smart-connect distributed`` process with the default group settings."""

    def __init__(self, tmp: Path, bootstrap: str, unique: str, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.worker_id = f"127.0.0.1:{port}"
        settings = {
            "group.id": f"cluster-{unique}",
            "config.storage.topic": f"configs-{unique}",
            "offset.storage.topic": f"offsets-{unique}",
            "status.storage.topic": f"status-{unique}",
            "config.storage.replication.factor": 1,
            "offset.storage.replication.factor": 1,
            "status.storage.replication.factor": 1,
            "offset.storage.partitions": 3,
            "status.storage.partitions": 2,
            "listeners": self.url,
        }
        self.config = write_worker_config(
            tmp / f"worker-{port}.properties",
            bootstrap,
            **{k.replace(".", "_"): v for k, v in settings.items()},
        )
        self.proc = WorkerProcess(["distributed", str(self.config)])

    def start(self) -> Node:
        self.proc = WorkerProcess(["distributed", str(self.config)])
        self.proc.start()
        return self

    async def status(self, http: httpx.AsyncClient, name: str) -> dict[str, Any] | None:
        r = await http.get(f"{self.url}/connectors/{name}/status")
        return r.json() if r.status_code == 200 else None


def _datagen(topic: str) -> dict[str, Any]:
    return {
        "connector.class": "datagen",
        "kafka.topic": topic,
        "tasks.max": TASKS,
        "rate": 20,
        "record.size": 16,
        "value.format": "bytes",
        "value.converter": "bytes",
    }


def _running_on(status: dict[str, Any] | None) -> dict[int, str]:
    """task id → worker, for the tasks that are RUNNING."""
    if status is None:
        return {}
    return {t["id"]: t["worker_id"] for t in status["tasks"] if t["state"] == "RUNNING"}


def _leader(node: Node) -> str:
    """The group leader named by ``node``'s last assignment."""
    return [e for e in node.proc.events() if e.get("event") == "assignment received"][-1]["leader"]


async def test_hand_overs_with_default_settings(
    tmp_path: Path, kafka_bootstrap: str, unique: str, on_tansu: bool
) -> None:
    # Tansu settles every rebalance at about half a session timeout (TANSU.md): the
    # bounds are Apache Kafka's; on Tansu the same steps must still happen, only slower
    bound = {"running": 3.0, "failover": 10.0, "rejoin": 15.0, "moved": 3.0}
    if on_tansu:
        bound = {"running": 20.0, "failover": 25.0, "rejoin": 30.0, "moved": 15.0}
    topic = f"gen-{unique}"
    await create_topic(kafka_bootstrap, topic, 3)
    nodes = [Node(tmp_path, kafka_bootstrap, unique, free_port()) for _ in range(3)]
    a, b, c = nodes
    name = f"gen-{unique}"
    try:
        for n in nodes:
            n.start()
        for n in nodes:
            await asyncio.to_thread(n.proc.wait_for_log, "distributed worker started", 60)
        async with httpx.AsyncClient(timeout=10) as http:
            # wait for a settled group: every worker has had its first assignment
            for n in nodes:
                await asyncio.to_thread(n.proc.wait_for_log, "assignment received", 60)

            # -- 9: a create is visible everywhere within 1 s and runs within 3 s
            r = await http.post(
                f"{a.url}/connectors", json={"name": name, "config": _datagen(topic)}
            )
            assert r.status_code == 201, r.text
            created = time.monotonic()
            for n in (b, c):
                assert await n.status(http, name) is not None, f"404 on {n.worker_id}"
            visible = time.monotonic() - created

            async def all_running() -> bool:
                views = [await n.status(http, name) for n in nodes]
                return all(len(_running_on(v)) == TASKS for v in views) and all(
                    v is not None and v["connector"]["state"] == "RUNNING" for v in views
                )

            await wait_until(all_running, timeout=30, interval=0.05, message="all RUNNING")
            running = time.monotonic() - created
            print(f"create: visible on every worker after {visible:.2f}s, RUNNING {running:.2f}s")
            assert visible < 1.0
            assert running < bound["running"]

            # -- 10: kill -9; the dead worker's tasks are UNASSIGNED once the group knows,
            # and run elsewhere in under 10 s
            placed = _running_on(await a.status(http, name))
            # the leader: its successor must still hold the items it ran (the harder case)
            (victim,) = (n for n in nodes if n.worker_id == _leader(a))
            watcher = next(n for n in nodes if n is not victim)
            lost = {tid for tid, w in placed.items() if w == victim.worker_id}
            assert lost, placed
            victim.proc.kill()
            killed = time.monotonic()
            unassigned_at: float | None = None

            async def moved() -> bool:
                nonlocal unassigned_at
                status = await watcher.status(http, name)
                assert status is not None
                states = {t["id"]: t for t in status["tasks"]}
                if unassigned_at is None and all(states[i]["state"] != "RUNNING" for i in lost):
                    unassigned_at = time.monotonic()
                return all(
                    states[i]["state"] == "RUNNING" and states[i]["worker_id"] != victim.worker_id
                    for i in lost
                )

            await wait_until(moved, timeout=30, interval=0.05, message="lost tasks elsewhere")
            failover = time.monotonic() - killed
            assert unassigned_at is not None, "the dead worker's tasks never showed UNASSIGNED"
            print(
                f"kill -9: UNASSIGNED after {unassigned_at - killed:.2f}s, "
                f"RUNNING elsewhere after {failover:.2f}s"
            )
            assert failover < bound["failover"]
            # held for scheduled.rebalance.max.delay.ms (1 s by default), even though the
            # dead worker led the group and its successor has to know what it ran
            assert failover - (unassigned_at - killed) > 0.5

            # -- 11: a worker comes back; tasks that stay put keep running throughout
            before = _running_on(await watcher.status(http, name))
            assert len(before) == TASKS
            victim.start()
            started = time.monotonic()
            interrupted: set[int] = set()
            stopped_at: dict[int, float] = {}  # when a task was first seen not RUNNING
            back_at: dict[int, float] = {}

            async def rebalanced() -> bool:
                status = await watcher.status(http, name)
                assert status is not None
                now = _running_on(status)
                moment = time.monotonic()
                for tid in before:
                    if tid not in now:
                        interrupted.add(tid)
                        stopped_at.setdefault(tid, moment)
                    elif tid in stopped_at:
                        back_at.setdefault(tid, moment)
                return victim.worker_id in now.values() and len(now) == TASKS

            await wait_until(rebalanced, timeout=60, interval=0.05, message="rejoined worker runs")
            settled = time.monotonic() - started
            moved_tasks = {
                t
                for t, w in _running_on(await watcher.status(http, name)).items()
                if w == victim.worker_id
            }
            gap = max((back_at[t] - stopped_at[t] for t in stopped_at), default=0.0)
            print(
                f"rejoin: settled {settled:.2f}s after the process started, moved "
                f"{sorted(moved_tasks)}, longest stop of a moved task {gap:.2f}s"
            )
            # only the tasks that moved to the returning worker stopped, and briefly
            assert interrupted <= moved_tasks, (interrupted, moved_tasks)
            assert gap < bound["moved"]
            assert settled < bound["rejoin"]
    except BaseException:
        for n in nodes:
            print(f"---- {n.worker_id}\n{n.proc.output}")
        raise
    finally:
        for n in nodes:
            n.proc.kill()
