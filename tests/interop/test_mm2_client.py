"""(a) ``RemoteClusterUtils.translateOffsets`` on our checkpoints, and (b) on live topics.

Our three connectors run a flow; then Kafka's own client code reads what they wrote:
every heartbeat, offset sync and checkpoint decodes with Kafka's classes to the same
fields, and a Java consumer's failover call returns the offsets our translation promises.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiokafka import TopicPartition

from connect.herder.standalone import StandaloneHerder
from connectors.kafka_mirror.heartbeat import Heartbeat
from connectors.kafka_mirror.syncs import Checkpoint, OffsetSync
from tests.fixtures.kafka import skip_on_tansu
from tests.helpers.kafka import consume_all, create_topic, produce
from tests.helpers.wait import wait_until
from tests.integration.mirror.conftest import flow, mirrored, worker_config
from tests.integration.mirror.test_mirror_offsets import commit_on
from tests.interop.conftest import decode_lines, run_java

pytestmark = pytest.mark.kafka

PER_PARTITION = 500
LAG_MAX = 10
CONSUMED = {0: 137, 1: PER_PARTITION}
"""The group's committed source offsets: mid-partition, and at the end."""


def aliases(unique: str) -> tuple[str, str]:
    tag = unique.rsplit("-", 1)[-1]
    return f"src-{tag}", f"dst-{tag}"


async def latest_checkpoints(bootstrap: str, topic: str) -> dict[tuple[str, str, int], Checkpoint]:
    out: dict[tuple[str, str, int], Checkpoint] = {}
    for m in await consume_all(bootstrap, topic):
        cp = Checkpoint.decode(m.key, m.value)
        assert cp is not None, f"a record of {topic} is not a checkpoint"
        out[(cp.group, cp.topic, cp.partition)] = cp
    return out


@dataclass
class Flow:
    source: str
    target: str
    src: str
    dst: str
    group: str
    remote: str
    checkpoints: dict[tuple[str, str, int], Checkpoint]

    @property
    def checkpoints_topic(self) -> str:
        return f"{self.src}.checkpoints.internal"


async def run_flow(a: str, b: str, unique: str) -> Flow:
    """Heartbeats, mirror and checkpoints of a fresh a → b flow, until both groups translate."""
    src, dst = aliases(unique)
    topic, group = f"mm2c-{unique}", f"group-{unique}"
    remote = f"{src}.{topic}"
    await create_topic(a, topic, 2)
    for p in range(2):
        await produce(
            a,
            topic,
            ({"key": b"k", "value": b"%d" % i, "partition": p} for i in range(PER_PARTITION)),
        )
    consumed = CONSUMED
    await commit_on(a, group, {TopicPartition(topic, p): o for p, o in consumed.items()})

    ends = {"source.cluster.alias": src, "target.cluster.alias": dst}
    mirror = {**flow(a, b, topics=topic, **{"offset.lag.max": LAG_MAX}), **ends}
    checkpoint = {
        **flow(a, b, topics=topic),
        **ends,
        "connector.class": "mirror-checkpoint",
        "groups": group,
        "emit.checkpoints.interval.seconds": 0.5,
        "checkpoints.topic.replication.factor": 1,
    }
    heartbeat: dict[str, Any] = {
        "connector.class": "mirror-heartbeat",
        **ends,
        "source.cluster.bootstrap.servers": a,
        "emit.heartbeats.interval.seconds": 0.2,
        "heartbeats.topic.replication.factor": 1,
    }
    tasks = [
        {"name": f"hb-{unique}", "config": heartbeat},
        {"name": f"ms-{unique}", "config": mirror},
        {"name": f"mc-{unique}", "config": checkpoint},
    ]
    checkpoints_topic = f"{src}.checkpoints.internal"
    async with StandaloneHerder.running(worker_config(a), tasks):
        await mirrored(b, remote, 2 * PER_PARTITION)

        async def both_translated() -> dict[tuple[str, str, int], Checkpoint] | None:
            got = await latest_checkpoints(b, checkpoints_topic)
            keys = {(group, remote, p) for p in consumed}
            done = keys <= set(got) and got[(group, remote, 1)].downstream == PER_PARTITION
            return got if done else None

        ours = await wait_until(both_translated, timeout=60, interval=0.5, message="checkpoints")
        # stop emitting before comparing, so both sides read the same topic contents
    ours = await latest_checkpoints(b, checkpoints_topic)
    return Flow(a, b, src, dst, group, remote, ours)


async def test_java_failover_translates_to_our_checkpoints(
    kafka_bootstrap: str,
    kafka_target_bootstrap: str,
    unique: str,
    kafka_jars: Path,
    on_tansu: bool,
) -> None:
    skip_on_tansu(on_tansu, "Kafka's Java consumer times out on Tansu's ListOffsets")
    f = await run_flow(kafka_bootstrap, kafka_target_bootstrap, unique)
    ours, group, remote = f.checkpoints, f.group, f.remote
    # what our translation promises: never ahead of the group, at most offset.lag.max behind
    for p, upstream in CONSUMED.items():
        translated = ours[(group, remote, p)].downstream
        assert upstream - LAG_MAX <= translated <= upstream

    # (a) a Java consumer failing over to the target gets exactly those offsets
    lines = await run_java(kafka_jars, "Translate.java", f.target, f.src, group)
    assert sorted(lines) == sorted(
        f"{remote} {p} {ours[(group, remote, p)].downstream}" for p in CONSUMED
    )


async def test_kafka_decodes_every_record_our_connectors_write(
    kafka_bootstrap: str, kafka_target_bootstrap: str, unique: str, kafka_jars: Path
) -> None:
    f = await run_flow(kafka_bootstrap, kafka_target_bootstrap, unique)
    a, b, src, dst, checkpoints_topic = f.source, f.target, f.src, f.dst, f.checkpoints_topic
    beats = [
        (m.key, m.value)
        for m in await consume_all(a, "heartbeats")
        if (h := Heartbeat.decode(m.key, m.value)) is not None and h.source == src
    ]
    syncs = [(m.key, m.value) for m in await consume_all(a, f"mm2-offset-syncs.{dst}.internal")]
    cps = [(m.key, m.value) for m in await consume_all(b, checkpoints_topic)]
    assert beats and syncs and cps
    stdin = (
        decode_lines("heartbeat", beats)
        + decode_lines("sync", syncs)
        + decode_lines("checkpoint", cps)
    )
    lines = await run_java(kafka_jars, "Decode.java", stdin=stdin)
    expected = [
        *(
            f"heartbeat {h.source} {h.target} {h.timestamp}"
            for h in (Heartbeat.parse(k, v) for k, v in beats)
        ),
        *(
            f"sync {s.topic} {s.partition} {s.upstream} {s.downstream}"
            for s in (OffsetSync.parse(k, v) for k, v in syncs)
        ),
        *(
            f"checkpoint {c.group} {c.topic} {c.partition} {c.upstream} {c.downstream} "
            f"[{c.metadata}]"
            for c in (Checkpoint.parse(k, v) for k, v in cps)
        ),
    ]
    assert lines == expected
