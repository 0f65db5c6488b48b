"""(c) our checkpoint connector on syncs Kafka's MM2 wrote; (d) MM2's checkpoints on ours.

Kafka's MirrorMaker 2 runs from the ``mm2_jars`` classpath: dedicated mode for (c),
its MirrorCheckpointConnector alone in Connect standalone for (d). Each side's
translation must land where offset syncs allow: never ahead of the group's position.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiokafka import TopicPartition

from connect.herder.standalone import StandaloneHerder
from connectors.kafka_mirror.syncs import Checkpoint, OffsetSync
from tests.fixtures.kafka import skip_on_tansu
from tests.helpers.kafka import consume_all, create_topic, produce
from tests.helpers.wait import wait_until
from tests.integration.mirror.conftest import flow, mirrored, worker_config
from tests.integration.mirror.test_mirror_offsets import commit_on
from tests.interop.mm2 import connect_standalone, mirror_maker, mm2_properties, tail
from tests.interop.test_mm2_client import aliases, latest_checkpoints

pytestmark = pytest.mark.kafka

PER_PARTITION = 500
CONSUMED = {0: 137, 1: PER_PARTITION}
MM2_LAG_MAX = 100  # MM2's default offset.lag.max
JAVA_ON_TANSU = "Kafka's Java clients (MM2, Connect) time out on Tansu's ListOffsets"


async def prepare(a: str, unique: str) -> tuple[str, str]:
    """A 2-partition source topic with records and a group that committed ``CONSUMED``."""
    topic, group = f"peer-{unique}", f"group-{unique}"
    await create_topic(a, topic, 2)
    for p in range(2):
        await produce(
            a,
            topic,
            ({"key": b"k", "value": b"%d" % i, "partition": p} for i in range(PER_PARTITION)),
        )
    await commit_on(a, group, {TopicPartition(topic, p): o for p, o in CONSUMED.items()})
    return topic, group


async def syncs_in(bootstrap: str, topic: str) -> list[OffsetSync]:
    """Every record of an offset-syncs topic, parsed strictly (a foreign one fails)."""
    return [OffsetSync.parse(m.key, m.value) for m in await consume_all(bootstrap, topic)]


async def test_our_checkpoints_translate_syncs_written_by_mm2(
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
    topic, group = await prepare(a, unique)
    remote, syncs_topic = f"{src}.{topic}", f"mm2-offset-syncs.{dst}.internal"
    props = mm2_properties(
        src,
        dst,
        a,
        b,
        topic,
        **{
            "emit.checkpoints.enabled": "false",
            "emit.heartbeats.enabled": "false",
            "sync.group.offsets.enabled": "false",
        },
    )
    with mirror_maker(mm2_jars, tmp_path, props) as proc:
        await mirrored(b, remote, 2 * PER_PARTITION, timeout=120)

        async def near_the_end() -> list[OffsetSync] | None:
            assert proc.poll() is None, tail(tmp_path / "mm2.log")
            syncs = await syncs_in(a, syncs_topic)
            last = {s.partition: s.upstream for s in syncs if s.topic == topic}
            ok = all(last.get(p, -1) >= PER_PARTITION - MM2_LAG_MAX for p in CONSUMED)
            return syncs if ok else None

        mm2_syncs = await wait_until(near_the_end, timeout=90, interval=1, message="MM2's syncs")
    # MM2 also mirrors every heartbeats topic it finds (other tests' on a shared cluster)
    assert topic in {s.topic for s in mm2_syncs}

    checkpoint = {
        **flow(a, b, src, dst, topics=topic),
        "connector.class": "mirror-checkpoint",
        "groups": group,
        "emit.checkpoints.interval.seconds": 0.5,
        "checkpoints.topic.replication.factor": 1,
    }
    cps_topic = f"{src}.checkpoints.internal"
    tasks = [{"name": f"mc-{unique}", "config": checkpoint}]
    async with StandaloneHerder.running(worker_config(b), tasks):

        async def translated() -> dict[tuple[str, str, int], Checkpoint] | None:
            got = await latest_checkpoints(b, cps_topic)
            return got if {(group, remote, p) for p in CONSUMED} <= set(got) else None

        ours = await wait_until(translated, timeout=60, interval=0.5, message="our checkpoints")
    for p, upstream in CONSUMED.items():
        cp = ours[(group, remote, p)]
        assert cp.upstream == upstream
        # MM2 copied into a fresh topic, so the true position is the upstream offset
        assert upstream - MM2_LAG_MAX <= cp.downstream <= upstream


async def test_mm2_checkpoints_translate_our_offset_syncs(
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
    topic, group = await prepare(a, unique)
    remote, syncs_topic = f"{src}.{topic}", f"mm2-offset-syncs.{dst}.internal"
    mirror = flow(a, b, src, dst, topics=topic, **{"offset.lag.max": 10})
    async with StandaloneHerder.running(
        worker_config(b), [{"name": f"ms-{unique}", "config": mirror}]
    ):
        await mirrored(b, remote, 2 * PER_PARTITION)

        async def at_the_end() -> bool:
            syncs = await syncs_in(a, syncs_topic)
            last = {s.partition: s.upstream for s in syncs if s.topic == topic}
            return all(last.get(p) == PER_PARTITION - 1 for p in CONSUMED)

        await wait_until(at_the_end, timeout=30, interval=0.5, message="our syncs")

    connector: dict[str, Any] = {
        "name": f"mm2-checkpoint-{unique}",
        "connector.class": "org.apache.kafka.connect.mirror.MirrorCheckpointConnector",
        "tasks.max": 1,
        "source.cluster.alias": src,
        "target.cluster.alias": dst,
        "source.cluster.bootstrap.servers": a,
        "target.cluster.bootstrap.servers": b,
        "topics": topic,
        "groups": group,
        "emit.checkpoints.interval.seconds": 1,
        "refresh.groups.interval.seconds": 1,
        "sync.group.offsets.enabled": "false",
        "checkpoints.topic.replication.factor": 1,
    }
    cps_topic = f"{src}.checkpoints.internal"
    with connect_standalone(mm2_jars, tmp_path, b, connector) as proc:

        async def translated() -> dict[tuple[str, str, int], Checkpoint] | None:
            assert proc.poll() is None, tail(tmp_path / "connect.log")
            got = await latest_checkpoints(b, cps_topic)
            return got if {(group, remote, p) for p in CONSUMED} <= set(got) else None

        theirs = await wait_until(translated, timeout=120, interval=1, message="MM2's checkpoints")
    for p, upstream in CONSUMED.items():
        cp = theirs[(group, remote, p)]
        assert cp.upstream == upstream
        assert cp.downstream <= upstream, "MM2 translated our syncs past the group's position"
    # our last sync of a partition is exact, so a group at the end translates to the end
    assert theirs[(group, remote, 1)].downstream == PER_PARTITION
