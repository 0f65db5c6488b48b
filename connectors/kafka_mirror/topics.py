"""Target topics: created explicitly, never by a broker's auto-creation.

A remote topic gets the source topic's partition count, the flow's replication factor
(capped at the target's broker count) and, with ``sync.topic.configs.enabled``, the
source topic's non-default configs. A source topic that grew gets partitions added on
the target where the broker supports it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping

import structlog
from aiokafka.admin import AIOKafkaAdminClient, NewPartitions, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError, TopicAlreadyExistsError, for_code

log = structlog.get_logger(__name__)

# Configs that belong to the cluster they are set on (MirrorMaker 2 leaves them too).
_NOT_SYNCED = {
    "follower.replication.throttled.replicas",
    "leader.replication.throttled.replicas",
    "message.timestamp.difference.max.ms",
    "message.timestamp.type",
    "unclean.leader.election.enable",
    "min.insync.replicas",
}
_DYNAMIC_TOPIC_CONFIG = 1
#: Topics per CreateTopics request (a mirror may start on hundreds of topics at once).
CREATE_BATCH = 200


async def partition_counts(
    admin: AIOKafkaAdminClient,
    topics: Iterable[str] | None = None,
    *,
    with_leaders: bool = False,
) -> dict[str, int]:
    """``{topic: partitions}`` for ``topics`` (all topics when ``None``); with
    ``with_leaders``, only the partitions that have a leader are counted."""
    names = list(topics) if topics is not None else list(await admin.list_topics())
    if not names:
        return {}
    out: dict[str, int] = {}
    for info in await admin.describe_topics(names):
        parts = info.get("partitions") or []
        if with_leaders:
            parts = [p for p in parts if p.get("error_code", 0) == 0 and p.get("leader", -1) >= 0]
        if info.get("error_code", 0) == 0 and parts:
            out[info["topic"]] = len(parts)
    return out


async def topic_configs(admin: AIOKafkaAdminClient, topic: str) -> dict[str, str]:
    """The topic's explicitly set configs worth copying (asked for all, filtered here)."""
    try:
        responses = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    except KafkaError as exc:
        log.warning("cannot read topic configs", topic=topic, error=repr(exc))
        return {}
    out: dict[str, str] = {}
    for response in responses:
        for resource in response.resources:
            for entry in resource[4]:
                name, value = entry[0], entry[1]
                # v0 entries carry is_default (bool); v1+ carry config_source (int)
                explicit = (
                    entry[3] == _DYNAMIC_TOPIC_CONFIG
                    if isinstance(entry[3], int) and not isinstance(entry[3], bool)
                    else not entry[3]
                )
                if explicit and value is not None and name not in _NOT_SYNCED:
                    out[name] = value
    return out


async def ensure_remote_topics(
    target: AIOKafkaAdminClient,
    wanted: Mapping[str, int],
    *,
    replication_factor: int,
    configs: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, int]:
    """Create or grow each remote topic to its wanted partition count.

    Returns the partition counts the target really has afterwards (growing may be
    unsupported, e.g. on Tansu; then the old count is kept and a warning logged).
    """
    present = await _names(target)
    existing = await partition_counts(target, [t for t in wanted if t in present])
    brokers = max(1, len((await target.describe_cluster()).get("brokers", [])))
    rf = min(replication_factor, brokers)
    to_create = [
        NewTopic(
            name,
            num_partitions=count,
            replication_factor=rf,
            topic_configs=dict((configs or {}).get(name, {})),
        )
        for name, count in wanted.items()
        if name not in existing
    ]
    created: list[str] = []
    for start in range(0, len(to_create), CREATE_BATCH):
        batch = to_create[start : start + CREATE_BATCH]
        for name in await create_topics(target, batch):
            log.info("remote topic created", topic=name, partitions=wanted[name])
            created.append(name)
    grow = {n: c for n, c in wanted.items() if n in existing and existing[n] < c}
    if grow:
        try:
            await target.create_partitions({n: NewPartitions(c) for n, c in grow.items()})
            log.info("remote topic partitions added", topics=grow)
        except (KafkaError, OSError) as exc:
            log.warning("cannot add partitions on target", topics=grow, error=repr(exc))
    names = await _names(target)
    new = set(created)
    have = await partition_counts(target, [n for n in wanted if n in names and n not in new])
    if created:
        # what we created counts once it has leaders (else the first sends bounce)
        have.update(await await_leaders(target, {n: wanted[n] for n in created}))
    return {n: have.get(n, 0) for n in wanted}


async def await_leaders(
    target: AIOKafkaAdminClient, wanted: Mapping[str, int], timeout: float = 10.0
) -> dict[str, int]:
    """Partition counts of ``wanted`` once their partitions have leaders, or as far as
    they got within ``timeout``: a broker answers CreateTopics before its metadata
    (KRaft: the controller's) has reached it, and a topic missed here waits for the
    next topic refresh."""
    deadline = time.monotonic() + timeout
    pending = dict(wanted)
    out: dict[str, int] = {}
    delay = 0.05
    while pending:
        ready = await partition_counts(target, pending, with_leaders=True)
        for name, count in ready.items():
            if count >= pending[name]:
                out[name] = count
                del pending[name]
        if not pending or time.monotonic() >= deadline:
            break
        await asyncio.sleep(delay)  # nothing to await: the broker learns in its own time
        delay = min(delay * 2, 0.5)
    return out


async def create_topics(admin: AIOKafkaAdminClient, topics: list[NewTopic]) -> list[str]:
    """Create ``topics`` in one request; the names created (existing ones are skipped).

    The first refusal other than "already exists" raises, after the rest were created.
    """
    if not topics:
        return []
    try:
        response = await admin.create_topics(topics)
    except TopicAlreadyExistsError:
        return []
    created: list[str] = []
    refused: KafkaError | None = None
    for error in response.topic_errors:
        name, code = error[0], error[1]
        if code == TopicAlreadyExistsError.errno:
            continue
        if code:
            message = error[2] if len(error) > 2 else ""
            refused = refused or for_code(code)(f"cannot create topic {name}: {message}")
            continue
        created.append(name)
    if refused is not None:
        raise refused
    return created


async def create_topic(admin: AIOKafkaAdminClient, topic: NewTopic) -> bool:
    """Create ``topic``; False if it already existed. Other refusals raise."""
    return bool(await create_topics(admin, [topic]))


async def _names(admin: AIOKafkaAdminClient) -> set[str]:
    return set(await admin.list_topics())


async def ensure_topic(
    admin: AIOKafkaAdminClient,
    name: str,
    *,
    partitions: int = 1,
    replication_factor: int = 3,
    configs: Mapping[str, str] | None = None,
) -> None:
    """Create one (bookkeeping) topic unless it exists."""
    if name in await _names(admin):
        return
    brokers = max(1, len((await admin.describe_cluster()).get("brokers", [])))
    await create_topic(
        admin,
        NewTopic(
            name,
            num_partitions=partitions,
            replication_factor=min(replication_factor, brokers),
            topic_configs=dict(configs or {}),
        ),
    )
