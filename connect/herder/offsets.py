"""Reading and changing connector offsets, in Kafka Connect's REST shapes.

Sink offsets are the committed offsets of the group ``connect-<connector>``:
``{"partition": {"kafka_topic", "kafka_partition"}, "offset": {"kafka_offset"}}``.
Source offsets are whatever the connector stored: ``{"partition": {...}, "offset": {...}}``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from typing import Any

from aiokafka import TopicPartition
from aiokafka.errors import KafkaError

from connect.config import common
from connect.herder.base import BadRequest, Conflict
from connect.kafka import KafkaClients
from connect.offsets import OffsetStore, partition_key


def source_offsets_json(store: OffsetStore, connector: str) -> list[dict[str, Any]]:
    return [{"partition": p, "offset": o} for p, o in store.connector_offsets(connector)]


def source_offsets_to_write(
    store: OffsetStore, connector: str, offsets: list[dict[str, Any]] | None
) -> dict[str, Any]:
    """What to write for a PATCH (``offsets``) or a reset (``None``: tombstones)."""
    if offsets is None:
        return {partition_key(connector, p): None for p, _ in store.connector_offsets(connector)}
    out: dict[str, Any] = {}
    for entry in offsets:
        if not isinstance(entry.get("partition"), dict):
            raise BadRequest("each offset needs a 'partition' object")
        out[partition_key(connector, entry["partition"])] = entry.get("offset")
    return out


async def sink_partitions(clients: KafkaClients, config: Mapping[str, Any]) -> list[TopicPartition]:
    """Partitions of the topics a sink reads (existing topics only)."""
    settings = common(config)
    admin = clients.admin()
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        if settings.topics:
            topics = [t for t in settings.topics if t in existing]
        else:
            pattern = re.compile(settings.topics_regex or "$^")
            topics = sorted(t for t in existing if pattern.fullmatch(t))
        if not topics:
            return []
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    return [
        TopicPartition(t["topic"], p["partition"])
        for t in described
        for p in t.get("partitions", [])
    ]


async def get_sink_offsets(
    clients: KafkaClients, connector: str, config: Mapping[str, Any]
) -> list[dict[str, Any]]:
    tps = await sink_partitions(clients, config)
    if not tps:
        return []
    admin = clients.admin()
    await admin.start()
    try:
        found = await admin.list_consumer_group_offsets(f"connect-{connector}", partitions=tps)
    finally:
        await admin.close()
    out = []
    for tp, meta in sorted(found.items()):
        if meta is None or meta.offset < 0:
            continue
        out.append(
            {
                "partition": {"kafka_topic": tp.topic, "kafka_partition": tp.partition},
                "offset": {"kafka_offset": meta.offset},
            }
        )
    return out


async def alter_sink_offsets(
    clients: KafkaClients,
    connector: str,
    config: Mapping[str, Any],
    offsets: list[dict[str, Any]] | None,
) -> None:
    """Commit ``offsets`` for the group, or its partitions' beginnings on reset.

    The connector is STOPPED, so the group has no members: this joins it as the only
    member (a commit outside a generation is refused once a group has had members),
    commits, and leaves.
    """
    tps = await sink_partitions(clients, config)
    target: dict[TopicPartition, int] = {}
    for entry in offsets or []:
        part, off = entry.get("partition") or {}, entry.get("offset")
        try:
            tp = TopicPartition(str(part["kafka_topic"]), int(part["kafka_partition"]))
            target[tp] = -1 if off is None else int(off["kafka_offset"])
        except (KeyError, TypeError, ValueError) as exc:
            raise BadRequest(
                "sink offsets need partition {kafka_topic, kafka_partition} and "
                "offset {kafka_offset} (or null)"
            ) from exc
    unknown = sorted(f"{tp.topic}-{tp.partition}" for tp in target if tp not in set(tps))
    if unknown:
        raise BadRequest(f"not partitions of this connector's topics: {', '.join(unknown)}")
    consumer = clients.consumer(
        group_id=f"connect-{connector}",
        enable_auto_commit=False,
        session_timeout_ms=6000,
        heartbeat_interval_ms=200,
    )
    await consumer.start()
    try:
        if not tps:
            return
        consumer.subscribe(topics=sorted({tp.topic for tp in tps}))
        deadline = asyncio.get_running_loop().time() + 30
        while not consumer.assignment():
            if asyncio.get_running_loop().time() > deadline:
                raise Conflict(f"could not join group connect-{connector} to change offsets")
            await consumer.getmany(timeout_ms=100, max_records=1)
        beginnings = await consumer.beginning_offsets(tps)
        if offsets is None:
            target = dict(beginnings)
        target = {tp: beginnings[tp] if off < 0 else off for tp, off in target.items()}
        try:
            await consumer.commit(target)
        except KafkaError as exc:
            raise Conflict(f"cannot commit offsets of connect-{connector}: {exc}") from exc
    finally:
        await consumer.stop()
