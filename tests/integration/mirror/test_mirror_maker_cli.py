"""``smart-connect mirror-maker mm2.properties --clusters B``: an MM2 file run as it is."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiokafka import TopicPartition

from connectors.kafka_mirror.syncs import Checkpoint
from tests.helpers.kafka import consume, create_topic, produce
from tests.helpers.process import WorkerProcess, run_cli
from tests.helpers.wait import wait_until
from tests.integration.mirror.conftest import mirrored
from tests.integration.mirror.test_mirror_offsets import commit_on

pytestmark = pytest.mark.kafka

N = 300

# the layout of Kafka's sample connect-mirror-maker.properties, with this test's names
SAMPLE = """\
# specify any number of cluster aliases
clusters = {src}, {dst}

# connection information for each cluster
{src}.bootstrap.servers = {a}
{dst}.bootstrap.servers = {b}

# enable and configure individual replication flows
{src}->{dst}.enabled = true
{src}->{dst}.topics = {topic}
{src}->{dst}.groups = {group}

{dst}->{src}.enabled = true
{dst}->{src}.topics = .*

# Setting replication factor of newly created remote topics
replication.factor=1

checkpoints.topic.replication.factor=1
heartbeats.topic.replication.factor=1
offset-syncs.topic.replication.factor=1

offset.storage.replication.factor=1
status.storage.replication.factor=1
config.storage.replication.factor=1

# customize as needed
# replication.policy.separator = _
sync.topic.acls.enabled = false
emit.heartbeats.enabled = false
emit.checkpoints.interval.seconds = 1
"""


async def test_an_mm2_properties_file_runs_unchanged(
    kafka_bootstrap: str, kafka_target_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    a, b = kafka_bootstrap, kafka_target_bootstrap
    tag = unique.rsplit("-", 1)[-1]
    src, dst = f"src-{tag}", f"dst-{tag}"
    topic, group = f"mm-{unique}", f"group-{unique}"
    await create_topic(a, topic, 2)
    await produce(a, topic, ((b"k%d" % i, b"v%d" % i) for i in range(N)))
    await commit_on(a, group, {TopicPartition(topic, 0): 0, TopicPartition(topic, 1): 0})
    props = tmp_path / "mm2.properties"
    props.write_text(SAMPLE.format(src=src, dst=dst, a=a, b=b, topic=topic, group=group))

    with WorkerProcess(["mirror-maker", str(props), "--clusters", dst]) as proc:
        proc.wait_for_log("flow started", timeout=60)
        copied = await mirrored(b, f"{src}.{topic}", N)
        assert sorted(m.value for m in copied) == sorted(b"v%d" % i for i in range(N))

        async def checkpointed() -> bool:
            records = await consume(b, f"{src}.checkpoints.internal", 10**6, timeout=1)
            return any(
                (cp := Checkpoint.decode(m.key, m.value)) is not None and cp.group == group
                for m in records
            )

        await wait_until(checkpointed, timeout=60, interval=0.5, message="a checkpoint")
        # --clusters dst: the flow into src does not run
        assert "flow started" in proc.output and f"{dst}->{src}" not in proc.output
        assert proc.terminate() == 0


def test_a_file_it_cannot_run_gets_one_line_naming_the_key(tmp_path: Path) -> None:
    props = tmp_path / "mm2.properties"
    props.write_text("clusters = A, B\nA.bootstrap.servers = a:9092\nA->B.enabled = true\n")
    done = run_cli("mirror-maker", str(props))
    assert done.returncode == 2
    assert "B.bootstrap.servers: missing" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
