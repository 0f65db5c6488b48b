"""``mirror-heartbeat``: a heartbeat record on the source cluster every interval.

The beats land in the ``heartbeats`` topic of the source cluster; the flow's
``mirror-source`` copies that topic like any other (always, whatever ``topics`` says),
so the age of the newest beat on the target is the replication lag end to end.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiokafka.errors import KafkaError

from connect.api import ConfigError, SourceConnector, SourceRecord, SourceTask
from connectors.kafka_mirror.clients import check_clusters, translate
from connectors.kafka_mirror.config import MirrorHeartbeatConfig
from connectors.kafka_mirror.policy import HEARTBEATS_TOPIC
from connectors.kafka_mirror.source import VERSION
from connectors.kafka_mirror.topics import ensure_topic
from connectors.kafka_mirror.wire import Reader, WireError, int16, int64, string

HEARTBEAT_VERSION = 0


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """A beat of the flow ``source`` → ``target`` at ``timestamp`` (ms), MM2's format.

    Key ``(sourceClusterAlias STRING, targetClusterAlias STRING)``, value
    ``(version INT16 = 0, timestamp INT64)``.
    """

    source: str
    target: str
    timestamp: int

    def key(self) -> bytes:
        return heartbeat_key(self.source, self.target)

    def value(self) -> bytes:
        return heartbeat_value(self.timestamp)

    @classmethod
    def parse(cls, key: bytes | None, value: bytes | None) -> Heartbeat:
        """Parse a record of a heartbeats topic; :class:`WireError` for anything else."""
        v = Reader(value)
        version = v.int16()
        if version != HEARTBEAT_VERSION:
            raise WireError(f"heartbeat version {version}, only {HEARTBEAT_VERSION} is known")
        timestamp = v.int64()
        v.end()
        k = Reader(key)
        source, target = k.string(), k.string()
        k.end()
        return cls(source, target, timestamp)

    @classmethod
    def decode(cls, key: bytes | None, value: bytes | None) -> Heartbeat | None:
        """:meth:`parse`, with ``None`` for a record of another shape."""
        try:
            return cls.parse(key, value)
        except WireError:
            return None


def heartbeat_key(source: str, target: str) -> bytes:
    return string(source) + string(target)


def heartbeat_value(timestamp_ms: int) -> bytes:
    return int16(HEARTBEAT_VERSION) + int64(timestamp_ms)


class MirrorHeartbeatConnector(SourceConnector):
    """Writes heartbeats to the source cluster's ``heartbeats`` topic."""

    config_model = MirrorHeartbeatConfig
    version = VERSION
    aliases = (
        "MirrorHeartbeatConnector",
        "org.apache.kafka.connect.mirror.MirrorHeartbeatConnector",
    )

    async def start(self, config: Mapping[str, Any]) -> None:
        self.config = dict(config)
        self.settings = MirrorHeartbeatConfig.model_validate(self.config)
        # created here, before any task runs, so mirrors started after this connector
        # find the topic on their first listing
        await create_heartbeats_topic(self.settings)

    def task_class(self) -> type[SourceTask]:
        return MirrorHeartbeatTask

    def task_configs(self, max_tasks: int) -> list[dict[str, Any]]:
        # one beat stream per flow is enough, whatever tasks.max says
        return [{**self.config, "key.converter": "bytes", "value.converter": "bytes"}]

    def producer_overrides(self) -> dict[str, Any]:
        return self.settings.cluster().plain_settings()


async def create_heartbeats_topic(cfg: MirrorHeartbeatConfig) -> None:
    """Create the heartbeats topic on the source cluster unless it exists."""
    await check_clusters(cfg.cluster())
    admin = cfg.cluster().admin()
    try:
        await admin.start()
        await ensure_topic(
            admin,
            HEARTBEATS_TOPIC,
            partitions=1,
            replication_factor=cfg.replication_factor,
            configs={"cleanup.policy": "compact"},
        )
    except KafkaError as exc:
        raise translate(exc, "cannot create the heartbeats topic") from exc
    finally:
        await admin.close()


class MirrorHeartbeatTask(SourceTask):
    """Returns one heartbeat record per ``emit.heartbeats.interval.seconds``."""

    version = VERSION

    async def start(self, config: Mapping[str, Any]) -> None:
        try:
            self.cfg = MirrorHeartbeatConfig.model_validate(dict(config))
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
        self._key = heartbeat_key(self.cfg.source_alias, self.cfg.target_alias)
        self._next = 0.0
        await create_heartbeats_topic(self.cfg)

    async def stop(self) -> None:
        pass

    async def poll(self) -> list[SourceRecord]:
        if not self.cfg.emit_enabled:
            await asyncio.sleep(0.5)
            return []
        now = time.monotonic()
        if now < self._next:
            await asyncio.sleep(min(0.1, self._next - now))
            return []
        self._next = now + self.cfg.emit_interval
        ts = int(time.time() * 1000)
        return [
            SourceRecord(
                topic=HEARTBEATS_TOPIC,
                key=self._key,
                value=heartbeat_value(ts),
                timestamp=ts,
                partition=0,
                source_partition={"heartbeats": self.cfg.source_alias},
                source_offset=None,
            )
        ]
