"""``mirror-source``: copy topics from the source cluster to the target cluster.

Each task consumes its share of the source partitions with its own consumer (assign +
seek to the stored position) and returns the records as raw bytes, pinned to the same
partition, with their timestamp and headers. The runtime's producer is pointed at the
target cluster (``producer_overrides``), so the source positions are stored in the
target's offsets topic once the target acknowledged the records.

Partitions are shared by a stable hash (see ``assignment``), so every task can list
the source topics on its own every ``refresh.topics.interval.seconds`` and pick up new
topics and partitions without a restart or a rebalance.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

import structlog
from aiokafka import TopicPartition as KafkaTP
from aiokafka.errors import KafkaError

from connect.api import (
    ConfigError,
    NoMetrics,
    PassthroughBatch,
    RawRecordBatch,
    SourceConnector,
    SourceRecord,
    SourceTask,
)
from connect.api.kafka import ClusterWatch
from connectors.kafka_mirror.assignment import owns
from connectors.kafka_mirror.batches import BatchHeader
from connectors.kafka_mirror.clients import Cluster, check_clusters, translate
from connectors.kafka_mirror.config import (
    PRODUCER_OVERRIDE_PREFIX,
    TASK_COUNT_KEY,
    MirrorSourceConfig,
)
from connectors.kafka_mirror.metrics import MirrorSourceMetrics
from connectors.kafka_mirror.passthrough import ExactSyncs, RawFetcher, select
from connectors.kafka_mirror.sync_writer import OffsetSyncWriter
from connectors.kafka_mirror.syncs import HandoffTracker, OffsetSync
from connectors.kafka_mirror.takeover import TakeoverError, mm2_positions
from connectors.kafka_mirror.topics import (
    ensure_remote_topics,
    ensure_topic,
    partition_counts,
    topic_configs,
)

log = structlog.get_logger(__name__)

PROVENANCE_HEADER = "mirror.source.cluster"
"""Header naming the cluster a record was mirrored from (``provenance.header.enabled``)."""

VERSION = "1.0.0"
_POLL_TIMEOUT_MS = 200
_PASSTHROUGH_WAIT_MS = 100
Polled = SourceRecord | RawRecordBatch | PassthroughBatch


class MirrorSourceConnector(SourceConnector):
    """Replicates topics between Kafka clusters with MirrorMaker 2's semantics."""

    config_model = MirrorSourceConfig
    version = VERSION
    aliases = ("MirrorSourceConnector", "org.apache.kafka.connect.mirror.MirrorSourceConnector")

    async def start(self, config: Mapping[str, Any]) -> None:
        self.config = dict(config)
        self.settings = MirrorSourceConfig.model_validate(self.config)

    def task_class(self) -> type[SourceTask]:
        return MirrorSourceTask

    def task_configs(self, max_tasks: int) -> list[dict[str, Any]]:
        return byte_task_configs(self.config, max_tasks)

    def producer_overrides(self) -> dict[str, Any]:
        return target_producer_settings(self.config, self.settings)

    def exactly_once_support(self) -> bool:
        """Whether records and positions must go in one transaction on the target."""
        return self.settings.exactly_once != "disabled"


def byte_task_configs(config: Mapping[str, Any], max_tasks: int) -> list[dict[str, Any]]:
    """``max_tasks`` copies of ``config`` that pass raw bytes and know the task count."""
    count = max(1, max_tasks)
    base = {**config, "key.converter": "bytes", "value.converter": "bytes", TASK_COUNT_KEY: count}
    return [dict(base) for _ in range(count)]


def target_producer_settings(
    config: Mapping[str, Any], settings: MirrorSourceConfig
) -> dict[str, Any]:
    """The runtime producer's settings: the target cluster, compression, big batches."""
    out: dict[str, Any] = {
        **settings.cluster("target").plain_settings(),
        "compression.type": settings.compression,
        "linger.ms": 5,
        "batch.size": 1024 * 1024,
        "max.request.size": 16 * 1024 * 1024,
        "acks": "all",
    }
    if settings.exactly_once != "disabled":
        out["enable.idempotence"] = True
    for key, value in config.items():
        if key.startswith(PRODUCER_OVERRIDE_PREFIX):
            out[key[len(PRODUCER_OVERRIDE_PREFIX) :]] = value
    return out


class MirrorSourceTask(SourceTask):
    """Consumes its share of the source partitions and hands the records to the runtime."""

    version = VERSION

    def __init__(self) -> None:
        self._consumer: Any = None
        self._source_admin: Any = None
        self._target_admin: Any = None
        self._syncs: OffsetSyncWriter | None = None
        self._watch: ClusterWatch | None = None
        self._partitions: dict[KafkaTP, dict[str, Any]] = {}
        self._remote: dict[str, str] = {}
        self._positions: dict[KafkaTP, int] = {}
        self._next_refresh = 0.0
        self._handoff = HandoffTracker()
        self._tracking = False
        self._target_alias_bytes = b""
        self._takeover: dict[tuple[str, int], int] = {}
        self._fetcher: RawFetcher | None = None  # set when batches pass through
        self._exact = ExactSyncs()
        self.path = "records"

    # ------------------------------------------------------------ lifecycle

    async def start(self, config: Mapping[str, Any]) -> None:
        try:
            self.cfg = MirrorSourceConfig.model_validate(dict(config))
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
        cfg = self.cfg
        self.policy = cfg.policy
        self.filter = cfg.topic_filter
        self.source: Cluster = cfg.cluster("source")
        self.target: Cluster = cfg.cluster("target")
        await check_clusters(self.source, self.target)
        # the runtime watches the target (its own producer's cluster); the source is ours
        self._watch = ClusterWatch(
            self.source.admin, f"source cluster {self.source.alias}", self.context.report
        )
        self._watch.start()
        self.task_id = self.context.task_id
        self._handoff = HandoffTracker(cfg.offset_lag_max)
        self._target_alias_bytes = cfg.target_alias.encode()
        self.metrics = MirrorSourceMetrics(
            getattr(self.context, "metrics", NoMetrics()), cfg.source_alias, cfg.target_alias
        )
        self._provenance = (PROVENANCE_HEADER, cfg.source_alias.encode())
        try:
            self._source_admin = self.source.admin()
            await self._source_admin.start()
            self._target_admin = self.target.admin()
            await self._target_admin.start()
            self._consumer = self.source.consumer(
                enable_auto_commit=False,
                auto_offset_reset=cfg.auto_offset_reset,
                max_partition_fetch_bytes=cfg.max_partition_fetch_bytes,
                fetch_max_bytes=max(64 * 1024 * 1024, cfg.max_partition_fetch_bytes),
                fetch_max_wait_ms=20,
                isolation_level="read_committed" if cfg.read_committed else "read_uncommitted",
                client_id=f"mirror-{cfg.source_alias}-{cfg.target_alias}-{self.task_id}",
            )
            await self._consumer.start()
            self._choose_path(config)
            if cfg.emit_offset_syncs:
                await self._start_offset_syncs()
            if cfg.takeover_topic:
                await self._read_takeover(cfg.takeover_topic)
            await self.refresh()
        except KafkaError as exc:
            await self.stop()
            raise translate(exc, "cannot start mirror task") from exc
        log.info(
            "mirror task started",
            source=cfg.source_alias,
            target=cfg.target_alias,
            partitions=len(self._partitions),
        )

    def _choose_path(self, config: Mapping[str, Any]) -> None:
        """Pass batches through unless something needs the records one by one."""
        cfg = self.cfg
        why = None
        if not cfg.passthrough:
            why = "mirror.passthrough=false"
        elif config.get("transforms"):
            why = "transforms"
        elif cfg.provenance_header:
            why = "provenance.header.enabled"
        elif cfg.exactly_once != "disabled":
            why = "exactly.once.support"
        if why is None:
            self._fetcher = RawFetcher(
                self._consumer._client,
                read_committed=cfg.read_committed,
                max_wait_ms=_PASSTHROUGH_WAIT_MS,
                max_bytes=max(64 * 1024 * 1024, cfg.max_partition_fetch_bytes),
                partition_max_bytes=cfg.max_partition_fetch_bytes,
            )
            self._exact = ExactSyncs(cfg.offset_lag_max)
            self.path = "batch pass-through"
        else:
            self.path = f"records ({why})"
        self.metrics.path(self._fetcher is not None)
        self.context.report(f"copy path: {self.path}")
        log.info("mirror copy path", path=self.path)

    async def _read_takeover(self, topic: str) -> None:
        cfg = self.cfg
        side = self.target if cfg.takeover_cluster == "target" else self.source
        admin = self._target_admin if cfg.takeover_cluster == "target" else self._source_admin
        try:
            self._takeover = await mm2_positions(
                side, admin, topic, cfg.source_alias, cfg.takeover_connector
            )
        except TakeoverError as exc:
            await self.stop()
            raise ConfigError(str(exc)) from exc

    async def _start_offset_syncs(self) -> None:
        cfg = self.cfg
        side = self.source if cfg.offset_syncs_location == "source" else self.target
        admin = self._source_admin if cfg.offset_syncs_location == "source" else self._target_admin
        self.offset_syncs_topic = self.policy.offset_syncs_topic(cfg.target_alias)
        await ensure_topic(
            admin,
            self.offset_syncs_topic,
            partitions=1,
            replication_factor=cfg.offset_syncs_replication_factor,
            configs={"cleanup.policy": "compact"},
        )
        self._syncs = OffsetSyncWriter(side, self.target, self.offset_syncs_topic)
        await self._syncs.start()
        self._tracking = True

    async def stop(self) -> None:
        if self._watch is not None:
            await self._watch.stop()
        if self._syncs is not None:
            await self._syncs.stop()
            self._syncs = None
        for client in (self._consumer, self._source_admin, self._target_admin):
            if client is None:
                continue
            try:
                await (client.close() if hasattr(client, "close") else client.stop())
            except Exception as exc:  # closing is best effort
                log.debug("close failed", error=repr(exc))
        self._consumer = self._source_admin = self._target_admin = None

    # ------------------------------------------------------------ topics

    async def refresh(self) -> None:
        """List source topics; create remote topics; (re)assign this task's partitions."""
        cfg = self.cfg
        counts = await partition_counts(self._source_admin)
        selected = {
            t: n
            for t, n in counts.items()
            if self.filter.should_replicate(t, self.policy, cfg.target_alias)
        }
        mine = {
            t: [p for p in range(n) if owns(t, p, self.task_id, cfg.task_count)]
            for t, n in selected.items()
        }
        mine = {t: ps for t, ps in mine.items() if ps}
        new_topics = [t for t in mine if t not in self._remote]
        configs: dict[str, dict[str, str]] = {}
        if cfg.sync_topic_configs:
            for topic in new_topics:
                configs[self.policy.remote_topic(cfg.source_alias, topic)] = await topic_configs(
                    self._source_admin, topic
                )
        wanted = {self.policy.remote_topic(cfg.source_alias, t): selected[t] for t in mine}
        have = await ensure_remote_topics(
            self._target_admin,
            wanted,
            replication_factor=cfg.replication_factor,
            configs=configs,
        )
        partitions: dict[KafkaTP, dict[str, Any]] = {}
        for topic, parts in mine.items():
            remote = self.policy.remote_topic(cfg.source_alias, topic)
            self._remote[topic] = remote
            for p in parts:
                if p >= have.get(remote, 0):
                    log.warning(
                        "remote partition missing; not mirrored yet", topic=remote, partition=p
                    )
                    continue
                tp = KafkaTP(topic, p)
                partitions[tp] = self._partitions.get(tp) or {
                    "cluster": cfg.source_alias,
                    "topic": topic,
                    "partition": p,
                }
        if set(partitions) != set(self._partitions):
            await self._assign(partitions)
        self._next_refresh = time.monotonic() + cfg.refresh_topics_interval

    async def _assign(self, partitions: dict[KafkaTP, dict[str, Any]]) -> None:
        added = [tp for tp in partitions if tp not in self._partitions]
        self._partitions = partitions
        self._consumer.assign(list(partitions))
        fresh: list[KafkaTP] = []  # no position: auto.offset.reset
        for tp in partitions:
            if tp in self._positions:
                self._consumer.seek(tp, self._positions[tp])
                continue
            stored = self.context.offset(partitions[tp])
            taken = self._takeover.get((tp.topic, tp.partition))
            if stored and isinstance(stored.get("offset"), int):
                self._consumer.seek(tp, int(stored["offset"]))
                self._positions[tp] = int(stored["offset"])
            elif taken is not None:
                # our own position wins; without one, carry on after MM2's last copied record
                self._consumer.seek(tp, taken)
                self._positions[tp] = taken
                log.info(
                    "resuming after MirrorMaker 2",
                    topic=tp.topic,
                    partition=tp.partition,
                    offset=taken,
                )
            else:
                fresh.append(tp)
        # one offset lookup for all (each seek waits for its own: 500 new topics took 4 s)
        if fresh and self.cfg.auto_offset_reset == "earliest":
            await self._consumer.seek_to_beginning(*fresh)
        elif fresh:
            await self._consumer.seek_to_end(*fresh)
        for tp in list(self._positions):
            if tp not in partitions:
                del self._positions[tp]
                self._handoff.forget(tp.topic, tp.partition)
        if self._fetcher is not None:
            # positions are ours; the consumer only resolves them and never fetches
            for tp in partitions:
                if tp not in self._positions:
                    self._positions[tp] = await self._consumer.position(tp)
            self._consumer.pause(*partitions)
            for tp in list(self._exact._emitted):
                if tp not in partitions:
                    self._exact.forget(tp)
        elif added and self._tracking:
            # nothing of these partitions is in flight: a quiet moment to start from
            for tp, end in (await self._remote_ends(added)).items():
                self._handoff.baseline(tp.topic, tp.partition, end)
        if added:
            log.info("partitions assigned", added=[f"{t}-{p}" for t, p in added])

    # ------------------------------------------------------------ records

    async def poll(self) -> list[Polled]:
        if self.cfg.refresh_topics_enabled and time.monotonic() >= self._next_refresh:
            try:
                await self.refresh()
            except KafkaError as exc:
                raise translate(exc, "cannot refresh topics") from exc
        if not self._partitions:
            await asyncio.sleep(_POLL_TIMEOUT_MS / 1000)
            return []
        if self._fetcher is not None:
            return await self._poll_batches(self._fetcher)
        try:
            batches = await self._consumer.getmany(
                timeout_ms=_POLL_TIMEOUT_MS, max_records=self.cfg.max_poll_records
            )
        except KafkaError as exc:
            raise translate(exc, "cannot read the source cluster") from exc
        if self.cfg.provenance_header:
            return self._with_provenance(batches)
        out: list[Polled] = []
        came_from_target = self._came_from_target
        tracking = self._tracking
        metrics = self.metrics
        for tp, messages in batches.items():
            if not messages:
                continue
            records = messages
            if any(m.headers for m in messages):
                # only a record with headers can carry the target's provenance header
                records = [m for m in messages if not m.headers or not came_from_target(m.headers)]
            partition = tp.partition
            last = messages[-1].offset
            out.append(
                RawRecordBatch(
                    self._remote[tp.topic],
                    partition,
                    records,
                    self._partitions[tp],
                    {"offset": last + 1},
                )
            )
            if tracking and records:
                self._handoff.handed_many(tp.topic, partition, [m.offset for m in records])
            self._positions[tp] = last + 1
            metrics.polled(self._remote[tp.topic], partition, records)
        return out

    async def _poll_batches(self, fetcher: RawFetcher) -> list[Polled]:
        """Record batches as fetched, each pinned to its partition (see ``passthrough``)."""
        try:
            fetched, out_of_range = await fetcher.fetch(self._positions)
            for tp in out_of_range:
                if self.cfg.auto_offset_reset == "earliest":
                    await self._consumer.seek_to_beginning(tp)
                else:
                    await self._consumer.seek_to_end(tp)
                self._positions[tp] = await self._consumer.position(tp)
                log.warning("position out of range; reset", topic=tp.topic, partition=tp.partition)
        except KafkaError as exc:
            raise translate(exc, "cannot read the source cluster") from exc
        out: list[Polled] = []
        # an explicit compression.type is a demand; unset, batches keep their codec
        codec = self.cfg.compression if "compression" in self.cfg.model_fields_set else None
        read_committed = self.cfg.read_committed
        for f in fetched:
            tp = f.tp
            if tp not in self._partitions:
                continue
            remote = self._remote[tp.topic]
            chosen = select(
                f,
                self._positions[tp],
                remote=remote,
                source_partition=self._partitions[tp],
                codec=codec,
                read_committed=read_committed,
                on_ack=self._on_ack(tp) if self._tracking else lambda _h: None,
                coalesce_bytes=self.cfg.coalesce_bytes,
            )
            out += chosen.items
            self._positions[tp] = chosen.position
            self.metrics.polled_batches(remote, tp.partition, chosen.headers, chosen.decoded)
        return out

    def _on_ack(self, tp: KafkaTP) -> Any:
        acked = self._exact.acked

        def for_batch(header: BatchHeader) -> Any:
            return lambda downstream: acked(tp, header, downstream)

        return for_batch

    def _with_provenance(self, batches: Mapping[KafkaTP, list[Any]]) -> list[Polled]:
        """Records with the provenance header added, one ``SourceRecord`` each."""
        out: list[Polled] = []
        append = out.append
        record = SourceRecord
        extra = (self._provenance,)
        came_from_target = self._came_from_target
        for tp, messages in batches.items():
            if not messages:
                continue
            remote = self._remote[tp.topic]
            source_partition = self._partitions[tp]
            partition = tp.partition
            handed: list[int] = []
            for m in messages:
                headers = m.headers
                if headers:
                    headers = tuple(headers)
                    if came_from_target(headers):
                        continue
                    headers += extra
                else:
                    headers = extra
                # positional (hot loop): topic, key, value, headers, timestamp, key_schema,
                # value_schema, source_partition, source_offset, partition
                append(
                    record(
                        remote,
                        m.key,
                        m.value,
                        headers,
                        m.timestamp,
                        None,
                        None,
                        source_partition,
                        {"offset": m.offset + 1},
                        partition,
                    )
                )
                handed.append(m.offset)
            if self._tracking and handed:
                self._handoff.handed_many(tp.topic, partition, handed)
            self._positions[tp] = messages[-1].offset + 1
            self.metrics.polled(remote, partition, messages)
        return out

    def _came_from_target(self, headers: tuple[tuple[str, bytes | None], ...]) -> bool:
        # a record that already went through the target must not go back there (loops)
        return any(k == PROVENANCE_HEADER and v == self._target_alias_bytes for k, v in headers)

    # ------------------------------------------------------------ offset syncs

    async def commit(self) -> None:
        """After a checkpoint: every record handed out so far is acknowledged."""
        self.metrics.acknowledged()
        if self._syncs is None:
            return
        if self._fetcher is not None:
            await self._syncs.write(self._exact.take())
        pending = [KafkaTP(t, p) for t, p in self._handoff.pending()]
        if not pending:
            return
        ends = await self._remote_ends(pending)
        syncs: list[OffsetSync] = []
        for tp in pending:
            end = ends.get(tp)
            if end is not None:
                syncs += self._handoff.quiet(tp.topic, tp.partition, self._positions[tp], end)
        await self._syncs.write(syncs)

    async def _remote_ends(self, partitions: list[KafkaTP]) -> dict[KafkaTP, int]:
        """End offsets of the remote partitions of ``partitions``, by source name."""
        assert self._syncs is not None
        remote = {KafkaTP(self._remote[tp.topic], tp.partition): tp for tp in partitions}
        ends = await self._syncs.ends(list(remote))
        return {remote[r]: end for r, end in ends.items()}
