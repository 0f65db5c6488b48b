"""Taking over from a running MirrorMaker 2: its source positions, from its offsets topic.

MM2 keeps a flow's positions in Kafka Connect's offsets topic (``mm2-offsets.<source
alias>.internal`` on the target in dedicated mode), in Connect's JSON form: key
``["MirrorSourceConnector", {"cluster": "a", "partition": 0, "topic": "t"}]``, value
``{"offset": N}`` where N is the offset of the last record it copied (a tombstone or
a negative N: no position). ``mirror.takeover.offsets.topic`` names that topic; a
partition without a position of our own resumes at ``N + 1``.
"""

from __future__ import annotations

import json
import time
from typing import Any

import structlog
from aiokafka import TopicPartition as KafkaTP

from connectors.kafka_mirror.clients import Cluster
from connectors.kafka_mirror.topics import partition_counts
from connectors.kafka_mirror.wire import ForeignRecords, WireError

log = structlog.get_logger(__name__)

_READ_TIMEOUT = 60.0


def parse_position(
    key: bytes | None, value: bytes | None, connector: str, source_alias: str
) -> tuple[tuple[str, int], int | None] | None:
    """``((topic, partition), next offset or None)`` for one of ``connector``'s records.

    ``None`` for another connector's or another cluster's record; :class:`WireError`
    for a record that is not Connect's offset JSON at all.
    """
    try:
        name, partition = json.loads(key or b"")
        if name != connector or not isinstance(partition, dict):
            return None
        if partition.get("cluster") != source_alias:
            return None
        tp = (str(partition["topic"]), int(partition["partition"]))
        if value is None:
            return tp, None
        offset = json.loads(value)["offset"]
    except (ValueError, TypeError, KeyError) as exc:
        raise WireError(f"not a Kafka Connect source offset: {exc}") from exc
    return tp, (int(offset) + 1 if isinstance(offset, int) and offset >= 0 else None)


class TakeoverError(LookupError):
    """The offsets topic to take over from is not there."""


async def mm2_positions(
    cluster: Cluster,
    admin: Any,
    topic: str,
    source_alias: str,
    connector: str = "MirrorSourceConnector",
) -> dict[tuple[str, int], int]:
    """The next source offset to copy per (topic, partition), as MM2 left them."""
    # listed first: asking a broker about a missing topic by name may create it
    if topic not in await admin.list_topics():
        raise TakeoverError(
            f"mirror.takeover.offsets.topic: {topic!r} does not exist on {cluster.alias} "
            "(MM2 in dedicated mode keeps mm2-offsets.<source alias>.internal on the target; "
            "set mirror.takeover.offsets.cluster=source if it is on the source)"
        )
    count = (await partition_counts(admin, [topic])).get(topic, 0)
    consumer: Any = cluster.consumer(enable_auto_commit=False)
    foreign = ForeignRecords(topic, "Kafka Connect source offset")
    found: dict[tuple[str, int], int | None] = {}
    await consumer.start()
    try:
        tps = [KafkaTP(topic, p) for p in range(count)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        deadline = time.monotonic() + _READ_TIMEOUT
        while time.monotonic() < deadline:
            behind = [tp for tp in tps if await consumer.position(tp) < ends[tp]]
            if not behind:
                break
            batches = await consumer.getmany(*behind, timeout_ms=200, max_records=100_000)
            for messages in batches.values():
                for m in messages:
                    try:
                        got = parse_position(m.key, m.value, connector, source_alias)
                    except WireError as exc:
                        foreign.skip(m.partition, m.offset, exc)
                        continue
                    if got is not None:
                        found[got[0]] = got[1]
    finally:
        await consumer.stop()
    positions = {tp: off for tp, off in found.items() if off is not None}
    log.info("MirrorMaker 2 positions read", topic=topic, partitions=len(positions))
    return positions
