"""Taking over a running MirrorMaker 2: MM2 copies part of a topic and is killed; we go on.

The mirror-source resumes every partition after MM2's last committed position (read
from MM2's ``mm2-offsets.<source>.internal``), so the target ends up with every record
and at most MM2's uncommitted window copied twice; the checkpoint connector carries on
MM2's checkpoints and a group's translated offset never goes backwards.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from aiokafka import TopicPartition

from connect.herder.standalone import StandaloneHerder
from connectors.kafka_mirror.syncs import Checkpoint
from tests.fixtures.kafka import skip_on_tansu
from tests.helpers.kafka import consume_all, create_topic, produce
from tests.helpers.wait import wait_until
from tests.integration.mirror.conftest import flow, mirrored, worker_config
from tests.integration.mirror.test_mirror_offsets import commit_on
from tests.interop.mm2 import kill, mirror_maker, mm2_properties, tail
from tests.interop.test_mm2_client import aliases
from tests.interop.test_mm2_peer import JAVA_ON_TANSU

pytestmark = pytest.mark.kafka

PARTS = 3
BATCH = 600  # per partition, three times: before MM2, while MM2 runs, while nobody runs
GROUP_AT = 300


async def produce_batch(a: str, topic: str, batch: int) -> None:
    for p in range(PARTS):
        await produce(
            a,
            topic,
            (
                {"key": b"k", "value": f"{p}-{batch}-{i}".encode(), "partition": p}
                for i in range(BATCH)
            ),
        )


async def mm2_committed(b: str, offsets_topic: str, src: str, topic: str) -> dict[int, int]:
    """MM2's committed positions in ``topic`` (offset of the last record copied) per
    partition. Only that topic's: MM2 also copies every heartbeats topic it finds."""
    out: dict[int, int] = {}
    for m in await consume_all(b, offsets_topic):
        name, part = json.loads(m.key)
        mine = part.get("cluster") == src and part.get("topic") == topic
        if name == "MirrorSourceConnector" and mine and m.value:
            out[int(part["partition"])] = int(json.loads(m.value)["offset"])
    return out


async def checkpoint_history(b: str, topic: str, group: str) -> dict[int, list[int]]:
    """Every checkpoint of ``group`` in the order written, per partition (downstream)."""
    out: dict[int, list[int]] = {}
    for m in await consume_all(b, topic):
        cp = Checkpoint.decode(m.key, m.value)
        if cp is not None and cp.group == group:
            out.setdefault(cp.partition, []).append(cp.downstream)
    return out


async def test_smart_connect_takes_over_a_killed_mirror_maker(
    kafka_bootstrap: str,
    kafka_target_bootstrap: str,
    unique: str,
    mm2_jars: Path,
    on_tansu: bool,
    tmp_path: Path,
) -> None:
    skip_on_tansu(on_tansu, JAVA_ON_TANSU)
    a, b = kafka_bootstrap, kafka_target_bootstrap
    src, dst = aliases(unique)
    topic, group = f"take-{unique}", f"group-{unique}"
    remote, offsets_topic = f"{src}.{topic}", f"mm2-offsets.{src}.internal"
    cps_topic = f"{src}.checkpoints.internal"
    await create_topic(a, topic, PARTS)
    await produce_batch(a, topic, 0)
    await commit_on(a, group, {TopicPartition(topic, p): GROUP_AT for p in range(PARTS)})

    props = mm2_properties(
        src,
        dst,
        a,
        b,
        topic,
        **{
            f"{src}->{dst}.groups": group,
            "emit.heartbeats.enabled": "false",
            "emit.checkpoints.interval.seconds": 1,
            "sync.group.offsets.enabled": "false",
        },
    )
    with mirror_maker(mm2_jars, tmp_path, props) as proc:
        await mirrored(b, remote, PARTS * BATCH, timeout=120)

        seen: dict[str, object] = {}

        async def first_batch_committed_and_checkpointed() -> bool:
            assert proc.poll() is None, tail(tmp_path / "mm2.log")
            seen["committed"] = done = await mm2_committed(b, offsets_topic, src, topic)
            seen["checkpoints"] = cps = await checkpoint_history(b, cps_topic, group)
            return all(done.get(p) == BATCH - 1 for p in range(PARTS)) and len(cps) == PARTS

        try:
            await wait_until(first_batch_committed_and_checkpointed, timeout=90, interval=0.5)
        except TimeoutError as exc:
            raise AssertionError(f"{seen}\n{tail(tmp_path / 'mm2.log')}") from exc
        await produce_batch(a, topic, 1)
        # kill -9 while MM2 copies the second batch: what it copied since its last offset
        # flush is its uncommitted window
        await mirrored(b, remote, PARTS * BATCH + 1, timeout=60)
        kill(proc)
    copied_by_mm2 = len(await consume_all(b, remote))
    committed = await mm2_committed(b, offsets_topic, src, topic)
    window = copied_by_mm2 - sum(off + 1 for off in committed.values())
    mm2_checkpoints = await checkpoint_history(b, cps_topic, group)
    await produce_batch(a, topic, 2)

    mirror = {
        **flow(a, b, src, dst, topics=topic),
        "mirror.takeover.offsets.topic": offsets_topic,
    }
    checkpoint = {
        **flow(a, b, src, dst, topics=topic),
        "connector.class": "mirror-checkpoint",
        "groups": group,
        "emit.checkpoints.interval.seconds": 0.5,
        "checkpoints.topic.replication.factor": 1,
    }
    tasks = [
        {"name": f"ms-{unique}", "config": mirror},
        {"name": f"mc-{unique}", "config": checkpoint},
    ]
    total = PARTS * BATCH * 3
    async with StandaloneHerder.running(worker_config(b), tasks):

        async def every_record() -> list[bytes] | None:
            values = [m.value for m in await consume_all(b, remote)]
            return values if len(set(values)) == total else None

        values = await wait_until(every_record, timeout=90, interval=1, message="every record")
        # the group moves on after the takeover; its checkpoint follows
        await commit_on(a, group, {TopicPartition(topic, p): 3 * BATCH for p in range(PARTS)})

        async def moved_on() -> dict[int, list[int]] | None:
            history = await checkpoint_history(b, cps_topic, group)
            ends = {p: h[-1] for p, h in history.items()}
            return history if all(ends.get(p, 0) >= 3 * BATCH for p in range(PARTS)) else None

        history = await wait_until(moved_on, timeout=60, interval=0.5, message="checkpoints")

    counts = Counter(values)
    assert set(counts) == {
        f"{p}-{n}-{i}".encode() for p in range(PARTS) for n in range(3) for i in range(BATCH)
    }
    duplicates = len(values) - total
    assert 0 <= duplicates <= window, f"{duplicates} duplicates, MM2's window was {window}"
    for p in range(PARTS):
        seq = history[p]
        assert seq[: len(mm2_checkpoints[p])] == mm2_checkpoints[p]  # MM2's came first
        assert seq == sorted(seq), f"partition {p}: a translated offset went backwards: {seq}"
        assert len(seq) > len(mm2_checkpoints[p])  # ours carried on
