"""Two-way A↔B replication: nothing goes round twice; heartbeats cross over."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest

from connect.config import load_task_file
from connect.herder.standalone import StandaloneHerder
from connectors.kafka_mirror.heartbeat import Heartbeat
from tests.helpers.kafka import consume, consume_all, create_topic, produce
from tests.helpers.wait import wait_until
from tests.integration.mirror.conftest import flow, mirrored, topics_on, worker_config

pytestmark = pytest.mark.kafka

TASKS = Path(__file__).resolve().parents[3] / "tasks"
N = 200


async def _end_counts(bootstrap: str, topics: list[str]) -> dict[str, int]:
    counts = {}
    for topic in topics:
        counts[topic] = len(await consume_all(bootstrap, topic))
    return counts


async def test_identity_two_way_with_provenance_never_loops(
    clusters: tuple[str, str], unique: str
) -> None:
    a, b = clusters
    topic = f"tw-{unique}"
    for side, tag in ((a, "from-a"), (b, "from-b")):
        await create_topic(side, topic, 2)
        await produce(side, topic, [(f"{tag}-{i}".encode(), b"x") for i in range(N)])
    common = {"replication.policy.class": "identity", "provenance.header.enabled": True}
    tasks = [
        {"name": f"ab-{unique}", "config": flow(a, b, "a", "b", topics=topic, **common)},
        {"name": f"ba-{unique}", "config": flow(b, a, "b", "a", topics=topic, **common)},
    ]
    async with StandaloneHerder.running(worker_config(a), tasks):
        on_a = await mirrored(a, topic, 2 * N)
        on_b = await mirrored(b, topic, 2 * N)
        # keep both flows running a while longer: anything looping would show up now
        await asyncio.sleep(3)
        counts = await _end_counts(a, [topic]) | {"b": (await _end_counts(b, [topic]))[topic]}
    assert counts == {topic: 2 * N, "b": 2 * N}
    for records in (on_a, on_b):
        keys = [m.key for m in records]
        assert len(keys) == len(set(keys)) == 2 * N
    mirrored_to_b = [m for m in on_b if m.key.startswith(b"from-a")]
    assert all(dict(m.headers).get("mirror.source.cluster") == b"a" for m in mirrored_to_b)


async def test_huawei_two_way_task_json_runs(
    clusters: tuple[str, str], unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = clusters  # a = the current instance (dc1), b = the peer (dc2)
    monkeypatch.setenv("CURRENT_BOOTSTRAP_SERVERS", a)
    monkeypatch.setenv("PEER_BOOTSTRAP_SERVERS", b)
    name, config = load_task_file(TASKS / "huawei-replication.json")
    topic = f"orders-{unique}"
    config.update({"topics": topic, "replication_factor": "1"})
    for side, tag in ((a, "dc1"), (b, "dc2")):
        await create_topic(side, topic, 2)
        await produce(side, topic, [(f"{tag}-{i}".encode(), b"x") for i in range(N)])
    heartbeat = {
        "connector.class": "mirror-heartbeat",
        "source.cluster.alias": "dc2",
        "target.cluster.alias": "dc1",
        "source.cluster.bootstrap.servers": b,
        "emit.heartbeats.interval.seconds": 0.2,
        "heartbeats.topic.replication.factor": 1,
    }
    # the heartbeat connector first: it creates the heartbeats topic as it starts, so the
    # mirror finds it on its first topic listing
    tasks = [{"name": f"hb-{unique}", "config": heartbeat}, {"name": name, "config": config}]
    async with StandaloneHerder.running(worker_config(a), tasks):
        # pull: dc2 → dc1 under the peer's alias; push: dc1 → dc2 under the current one
        from_peer = await mirrored(a, f"dc2.{topic}", N)
        to_peer = await mirrored(b, f"dc1.{topic}", N)
        await mirrored(a, "dc2.heartbeats", 1, timeout=20)

        async def our_beat() -> Heartbeat | None:
            # a long-lived cluster's heartbeats topic also holds other flows' beats
            for m in await consume(a, "dc2.heartbeats", 10**6, timeout=1):
                with contextlib.suppress(Exception):
                    found = Heartbeat.parse(m.key, m.value)
                    if (found.source, found.target) == ("dc2", "dc1"):
                        return found
            return None

        beat = await wait_until(our_beat, timeout=20, message="a dc2 -> dc1 heartbeat")
        await asyncio.sleep(2)
        topics_a, topics_b = await topics_on(a), await topics_on(b)
    assert {m.key for m in from_peer} == {f"dc2-{i}".encode() for i in range(N)}
    assert {m.key for m in to_peer} == {f"dc1-{i}".encode() for i in range(N)}
    assert (beat.source, beat.target) == ("dc2", "dc1")
    # renamed topics are never sent back where they came from
    assert not any(t.startswith(("dc1.dc2.", "dc2.dc1.")) for t in (*topics_a, *topics_b))
    assert f"dc1.{topic}" not in topics_a and f"dc2.{topic}" not in topics_b
