"""(b) Kafka's own ``Checkpoint``/``Heartbeat``/``OffsetSync.deserializeRecord`` read our bytes.

Pure deserialization: the bytes come from our encoders (here) or from the topics our
connectors wrote (test_mm2_client); no broker is needed for this one, only the jars.
"""

from __future__ import annotations

from pathlib import Path

from connectors.kafka_mirror.heartbeat import Heartbeat
from connectors.kafka_mirror.syncs import Checkpoint, OffsetSync
from tests.interop.conftest import decode_lines, run_java

CHECKPOINTS = [
    Checkpoint("g", "a.orders", 0, 0, 0, ""),
    Checkpoint("grüppe-ü", "east.日本", 7, 123_456, 123_400, "meta data"),
    Checkpoint("g" * 300, "t", 2**31 - 1, 2**62, 2**62 - 1, "m" * 1000),
]
HEARTBEATS = [Heartbeat("a", "b", 0), Heartbeat("us-east-1", "eu-west-1", 1_764_000_000_123)]
SYNCS = [OffsetSync("t", 0, 0, 0), OffsetSync("a.t", 11, 2**40, 2**40 - 5)]


async def test_kafka_reads_every_shape_we_write(kafka_jars: Path) -> None:
    stdin = (
        decode_lines("checkpoint", [(c.key(), c.value()) for c in CHECKPOINTS])
        + decode_lines("heartbeat", [(h.key(), h.value()) for h in HEARTBEATS])
        + decode_lines("sync", [(s.key(), s.value()) for s in SYNCS])
    )
    lines = await run_java(kafka_jars, "Decode.java", stdin=stdin)
    assert lines == [
        *(
            f"checkpoint {c.group} {c.topic} {c.partition} {c.upstream} {c.downstream} "
            f"[{c.metadata}]"
            for c in CHECKPOINTS
        ),
        *(f"heartbeat {h.source} {h.target} {h.timestamp}" for h in HEARTBEATS),
        *(f"sync {s.topic} {s.partition} {s.upstream} {s.downstream}" for s in SYNCS),
    ]


async def test_kafka_refuses_the_old_json_as_we_do(kafka_jars: Path) -> None:
    # what earlier smart-connect versions wrote: neither side takes it for a checkpoint
    key = b'{"group":"g","partition":0,"topic":"a.t"}'
    value = b'{"downstreamOffset":5,"metadata":"","upstreamOffset":5}'
    lines = await run_java(
        kafka_jars, "Decode.java", stdin=decode_lines("checkpoint", [(key, value)])
    )
    assert len(lines) == 1 and lines[0].startswith("ERROR "), lines
    assert Checkpoint.decode(key, value) is None
