"""``mirror-checkpoint``: translate consumer group offsets so consumers can fail over.

The task reads the offset syncs the source task writes, lists the selected consumer
groups of the source cluster, and every ``emit.checkpoints.interval.seconds`` emits one
checkpoint per group and mirrored partition to ``<source>.checkpoints.internal`` on the
target (the runtime's producer points there). With ``sync.group.offsets.enabled`` it
also commits the translated offsets to the same groups on the target, but only for
groups without active members there, and never moving a group backwards.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import Mapping
from typing import Any

import structlog
from aiokafka import TopicPartition as KafkaTP
from aiokafka.errors import KafkaError

from connect.api import ConfigError, NoMetrics, SourceConnector, SourceRecord, SourceTask
from connectors.kafka_mirror.clients import Cluster, check_clusters, translate
from connectors.kafka_mirror.config import TASK_COUNT_KEY, MirrorCheckpointConfig
from connectors.kafka_mirror.metrics import MirrorCheckpointMetrics
from connectors.kafka_mirror.source import VERSION, byte_task_configs
from connectors.kafka_mirror.syncs import Checkpoint, OffsetSync, OffsetSyncStore
from connectors.kafka_mirror.topics import ensure_topic
from connectors.kafka_mirror.wire import ForeignRecords, WireError

log = structlog.get_logger(__name__)

_IDLE_GROUP_STATES = {"Empty", "Dead", ""}


class MirrorCheckpointConnector(SourceConnector):
    """Emits checkpoints of consumer groups and optionally syncs them to the target."""

    config_model = MirrorCheckpointConfig
    version = VERSION
    aliases = (
        "MirrorCheckpointConnector",
        "org.apache.kafka.connect.mirror.MirrorCheckpointConnector",
    )

    async def start(self, config: Mapping[str, Any]) -> None:
        self.config = dict(config)
        self.settings = MirrorCheckpointConfig.model_validate(self.config)

    def task_class(self) -> type[SourceTask]:
        return MirrorCheckpointTask

    def task_configs(self, max_tasks: int) -> list[dict[str, Any]]:
        return byte_task_configs(self.config, max_tasks)

    def producer_overrides(self) -> dict[str, Any]:
        return self.settings.cluster("target").plain_settings()


class MirrorCheckpointTask(SourceTask):
    """Reads offset syncs, translates group offsets, emits checkpoints."""

    version = VERSION

    def __init__(self, *, embedded: bool = False) -> None:
        # embedded: polled along with a mirror task, so never wait inside poll
        self.embedded = embedded
        self.store = OffsetSyncStore()
        self._syncs: Any = None
        self._source_admin: Any = None
        self._target_admin: Any = None
        self._committers: dict[str, Any] = {}
        self._groups: list[str] = []
        self._next_groups = 0.0
        self._next_emit = 0.0
        self._next_sync = 0.0
        self._last: dict[tuple[str, str, int], Checkpoint] = {}
        self._foreign_syncs: ForeignRecords | None = None

    async def start(self, config: Mapping[str, Any]) -> None:
        try:
            self.cfg = MirrorCheckpointConfig.model_validate(dict(config))
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
        cfg = self.cfg
        context_metrics = getattr(getattr(self, "context", None), "metrics", None)
        self.metrics = MirrorCheckpointMetrics(
            context_metrics or NoMetrics(), cfg.source_alias, cfg.target_alias
        )
        self.task_count = int(config.get(TASK_COUNT_KEY, 1))
        self.policy = cfg.policy
        self.source: Cluster = cfg.cluster("source")
        self.target: Cluster = cfg.cluster("target")
        await check_clusters(self.source, self.target)
        self.topic = self.policy.checkpoints_topic(cfg.source_alias)
        syncs_side = self.source if cfg.offset_syncs_location == "source" else self.target
        try:
            self._source_admin = self.source.admin()
            await self._source_admin.start()
            self._target_admin = self.target.admin()
            await self._target_admin.start()
            await ensure_topic(
                self._target_admin,
                self.topic,
                partitions=1,
                replication_factor=cfg.replication_factor,
                configs={"cleanup.policy": "compact"},
            )
            syncs_admin = (
                self._source_admin if cfg.offset_syncs_location == "source" else self._target_admin
            )
            syncs_topic = self.policy.offset_syncs_topic(cfg.target_alias)
            await ensure_topic(
                syncs_admin,
                syncs_topic,
                partitions=1,
                replication_factor=cfg.replication_factor,
                configs={"cleanup.policy": "compact"},
            )
            await self._load_checkpoints()
            self._foreign_syncs = ForeignRecords(syncs_topic, "offset sync")
            self._syncs = syncs_side.consumer(enable_auto_commit=False)
            await self._syncs.start()
            tp = KafkaTP(syncs_topic, 0)
            self._syncs.assign([tp])
            await self._syncs.seek_to_beginning(tp)
        except KafkaError as exc:
            await self.stop()
            raise translate(exc, "cannot start checkpoint task") from exc

    async def commit(self) -> None:
        """The checkpoints emitted so far were acknowledged (their latency is known)."""
        self.metrics.acknowledged()

    async def stop(self) -> None:
        clients = [self._syncs, self._source_admin, self._target_admin, *self._committers.values()]
        for client in clients:
            if client is None:
                continue
            try:
                await (client.close() if hasattr(client, "close") else client.stop())
            except Exception as exc:  # closing is best effort
                log.debug("close failed", error=repr(exc))
        self._syncs = self._source_admin = self._target_admin = None
        self._committers.clear()

    async def poll(self) -> list[SourceRecord]:
        try:
            await self._read_syncs()
            now = time.monotonic()
            if now >= self._next_groups:
                await self._refresh_groups()
                self._next_groups = now + self.cfg.refresh_groups_interval
            records: list[SourceRecord] = []
            checkpoints: list[Checkpoint] = []
            if self.cfg.emit_checkpoints and now >= self._next_emit:
                checkpoints = await self.checkpoints()
                records = [self._record(cp) for cp in checkpoints]
                self.metrics.emitted(checkpoints, time.time() * 1000)
                self._next_emit = now + self.cfg.emit_interval
            if self.cfg.sync_group_offsets and now >= self._next_sync:
                await self.sync_group_offsets(checkpoints or await self.checkpoints())
                self._next_sync = now + self.cfg.sync_group_interval
        except KafkaError as exc:
            raise translate(exc, "checkpointing failed") from exc
        if not records and not self.embedded:
            await asyncio.sleep(0.1)
        return records

    async def _read_syncs(self) -> None:
        batches = await self._syncs.getmany(
            timeout_ms=0 if self.embedded else 50, max_records=100_000
        )
        foreign = self._foreign_syncs
        for messages in batches.values():
            for m in messages:
                try:
                    self.store.add(OffsetSync.parse(m.key, m.value))
                except WireError as exc:
                    if foreign is not None:
                        foreign.skip(m.partition, m.offset, exc)

    async def _load_checkpoints(self) -> None:
        """Read the checkpoints already written (by us or by MM2) to carry on from them."""
        foreign = ForeignRecords(self.topic, "checkpoint")
        reader = self.target.consumer(enable_auto_commit=False)
        await reader.start()
        try:
            tp = KafkaTP(self.topic, 0)
            reader.assign([tp])
            await reader.seek_to_beginning(tp)
            end = (await reader.end_offsets([tp]))[tp]
            deadline = time.monotonic() + 30
            while await reader.position(tp) < end and time.monotonic() < deadline:
                batches = await reader.getmany(tp, timeout_ms=200, max_records=100_000)
                for m in batches.get(tp, []):
                    if m.value is None:
                        continue
                    try:
                        cp = Checkpoint.parse(m.key, m.value)
                    except WireError as exc:
                        foreign.skip(m.partition, m.offset, exc)
                        continue
                    self._last[(cp.group, cp.topic, cp.partition)] = cp
        finally:
            await reader.stop()
        if self._last:
            log.info("checkpoints carried on", topic=self.topic, count=len(self._last))

    def _goes_back(self, cp: Checkpoint) -> bool:
        """A translation behind the last checkpoint while the group did not rewind."""
        prev = self._last.get((cp.group, cp.topic, cp.partition))
        return prev is not None and cp.upstream >= prev.upstream and cp.downstream < prev.downstream

    async def _refresh_groups(self) -> None:
        listed = await self._source_admin.list_consumer_groups()
        names = sorted({str(g[0]) for g in listed})
        self._groups = [
            g
            for g in names
            if self.cfg.group_filter.matches(g)
            and zlib.crc32(g.encode()) % max(1, self.task_count) == self.context.task_id
        ]

    async def checkpoints(self) -> list[Checkpoint]:
        """The translated offsets of every selected group on the mirrored partitions."""
        partitions = [
            KafkaTP(t, p)
            for t, p in self.store.partitions()
            if self.cfg.topic_filter.should_replicate(t, self.policy, self.cfg.target_alias)
        ]
        if not partitions:
            return []
        out: list[Checkpoint] = []
        for group in self._groups:
            offsets = await self._source_admin.list_consumer_group_offsets(
                group, partitions=partitions
            )
            for tp, meta in offsets.items():
                if meta.offset < 0:
                    continue
                downstream = self.store.translate(tp.topic, tp.partition, meta.offset)
                if downstream is None:
                    continue
                remote = self.policy.remote_topic(self.cfg.source_alias, tp.topic)
                cp = Checkpoint(
                    group, remote, tp.partition, meta.offset, downstream, meta.metadata or ""
                )
                if self._goes_back(cp):
                    continue
                self._last[(cp.group, cp.topic, cp.partition)] = cp
                out.append(cp)
        return out

    def _record(self, cp: Checkpoint) -> SourceRecord:
        return SourceRecord(
            topic=self.topic,
            key=cp.key(),
            value=cp.value(),
            partition=0,
            timestamp=int(time.time() * 1000),
            source_partition={"cluster": self.cfg.source_alias, "group": cp.group},
            source_offset=None,
        )

    async def sync_group_offsets(self, checkpoints: list[Checkpoint]) -> None:
        """Commit translated offsets to idle groups on the target; never rewind a group."""
        by_group: dict[str, dict[KafkaTP, int]] = {}
        for cp in checkpoints:
            by_group.setdefault(cp.group, {})[KafkaTP(cp.topic, cp.partition)] = cp.downstream
        for group, offsets in by_group.items():
            if not await self._idle_on_target(group):
                log.info("group active on target; offsets not synced", group=group)
                continue
            current = await self._target_admin.list_consumer_group_offsets(
                group, partitions=list(offsets)
            )
            ahead = {
                tp: off
                for tp, off in offsets.items()
                if tp not in current or current[tp].offset < off
            }
            if not ahead:
                continue
            committer = await self._committer(group)
            committer.assign(list(ahead))
            await committer.commit(ahead)
            log.info("group offsets synced", group=group, partitions=len(ahead))

    async def _idle_on_target(self, group: str) -> bool:
        try:
            responses = await self._target_admin.describe_consumer_groups([group])
        except KafkaError:
            return False
        for response in responses:
            for desc in response.groups:
                state, members = desc[2], desc[5]
                if members or state not in _IDLE_GROUP_STATES:
                    return False
        return True

    async def _committer(self, group: str) -> Any:
        committer = self._committers.get(group)
        if committer is None:
            committer = self.target.consumer(group_id=group, enable_auto_commit=False)
            await committer.start()
            self._committers[group] = committer
        return committer
