"""The S3 sink task: routes records to per-partition writers and reports commit points."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from itertools import groupby
from operator import attrgetter
from typing import Any

import structlog

from connect.api import ConnectError, SinkRecord, SinkTask, TopicPartition
from connectors.s3.config import S3SinkConfig
from connectors.s3.formats import Format, make_format
from connectors.s3.metrics import S3Metrics
from connectors.s3.partitioners import make_partitioner, timestamp_extractor
from connectors.s3.storage import S3Storage
from connectors.s3.upload import BufferAccount
from connectors.s3.writer import TopicPartitionWriter, WriterStats

log = structlog.get_logger(__name__)

_topic_partition = attrgetter("topic", "partition")
_JSON_CONVERTERS = {"json", "jsonconverter", "org.apache.kafka.connect.json.jsonconverter"}


def _schemaless_json_values(config: Mapping[str, Any]) -> bool:
    """Whether values come through a JSON converter without the schema envelope and no
    transform can change them: then a record's raw bytes are its JSON text."""
    if str(config.get("transforms") or "").strip():
        return False
    converter = str(config.get("value.converter") or "").strip().lower()
    enabled = config.get("value.converter.schemas.enable", True)
    if isinstance(enabled, str):
        enabled = enabled.strip().lower() == "true"
    return converter in _JSON_CONVERTERS and not enabled


class S3SinkTask(SinkTask):
    """Writes records into S3 objects; commits only offsets whose objects are complete.

    ``put`` never blocks the loop: encoding is in memory, uploads run in worker threads,
    and full parts go up in the background while the next records are encoded.
    """

    version = "0.1.0"

    def __init__(self) -> None:
        self.config: S3SinkConfig | None = None
        self.storage: S3Storage | None = None
        self.format: Format | None = None
        self.writers: dict[TopicPartition, TopicPartitionWriter] = {}
        self.stats = WriterStats()
        self.metrics: S3Metrics | None = None
        self._lock = asyncio.Lock()

    async def start(self, config: Mapping[str, Any]) -> None:
        cfg = S3SinkConfig.model_validate(dict(config))
        self.config = cfg
        self.format = make_format(cfg, raw_json_values=_schemaless_json_values(config))
        self.partitioner = make_partitioner(cfg)
        self.extractor = timestamp_extractor(cfg)
        self.account = BufferAccount(cfg.buffer_max_bytes)
        self.storage = S3Storage(cfg)
        await self.storage.start()
        context = getattr(self, "context", None)
        self.metrics = S3Metrics(context.metrics) if context is not None else None
        self.stats.on_object = self.metrics.object_done if self.metrics else None
        if not cfg.exactly_once:
            log.info(
                "s3 sink runs at-least-once: Wallclock timestamps or rotate.schedule.interval.ms "
                "make object boundaries depend on time, so a replay may write records again"
            )

    def _writer(self, tp: TopicPartition) -> TopicPartitionWriter:
        writer = self.writers.get(tp)
        if writer is None:
            assert self.config and self.format and self.storage
            writer = TopicPartitionWriter(
                tp,
                self.config,
                self.format,
                self.partitioner,
                self.extractor,
                self.storage,
                self.account,
                self.stats,
                relieve=self._relieve,
            )
            writer.on_complete = self._request_commit
            self.writers[tp] = writer
        return writer

    async def open(self, partitions: list[TopicPartition]) -> None:
        for tp in partitions:
            self._writer(tp)

    async def put(self, records: list[SinkRecord]) -> None:
        async with self._lock:
            self._raise_failed_uploads()
            await self._rotate_due()
            # the runner hands records over partition by partition: one run each
            for (topic, partition), run in groupby(records, _topic_partition):
                await self._writer(TopicPartition(topic, partition)).write(list(run))
            if self.metrics is not None:
                self.metrics.update(
                    (len(w.objects) for w in self.writers.values()), self.account.total
                )

    def _request_commit(self) -> None:
        context = getattr(self, "context", None)
        if context is not None:
            context.request_commit()

    def _raise_failed_uploads(self) -> None:
        for writer in self.writers.values():
            exc = writer.failed()
            if exc is not None:
                raise ConnectError(f"upload failed: {exc}") from exc

    async def _rotate_due(self) -> None:
        if self.config is None or self.config.rotate_schedule_interval_ms <= 0:
            return
        now = time.time()
        due = [w for w in self.writers.values() if w.deadline is not None and now >= w.deadline]
        if due:
            await asyncio.gather(*(w.rotate_if_due(now) for w in due))

    async def _relieve(self) -> None:
        """Over ``s3.buffer.max.bytes``: wait for uploads, else close the largest group early."""
        while self.account.over:
            if await self.account.wait_for_upload():
                continue
            candidates = [w for w in self.writers.values() if w.objects]
            if not candidates:
                return
            largest = max(candidates, key=lambda w: w.buffered)
            log.warning(
                "s3.buffer.max.bytes reached: writing objects early (their boundaries now "
                "depend on memory, not only on the records)",
                topic=largest.tp.topic,
                partition=largest.tp.partition,
                buffered=self.account.total,
            )
            await largest.rotate("s3.buffer.max.bytes")

    async def pre_commit(self, offsets: Mapping[TopicPartition, int]) -> dict[TopicPartition, int]:
        async with self._lock:
            await self._rotate_due()
            # Groups still uploading are harvested when done (their completion asks for a
            # commit). Only when nothing else is open (drained, idle, shutting down) are
            # they waited for, so the last commit includes them without stalling the flow.
            if not any(w.objects for w in self.writers.values()):
                await asyncio.gather(*(w.settle() for w in self.writers.values() if w.completing))
            out: dict[TopicPartition, int] = {}
            for tp in offsets:
                writer = self.writers.get(tp)
                if writer is None:
                    continue
                offset = writer.committable()
                if offset is not None:
                    out[tp] = offset
            return out

    async def close(self, partitions: list[TopicPartition]) -> None:
        async with self._lock:
            writers = [self.writers.pop(tp) for tp in partitions if tp in self.writers]
            await asyncio.gather(*(w.abort() for w in writers), return_exceptions=True)

    async def stop(self) -> None:
        writers = list(self.writers.values())
        self.writers.clear()
        await asyncio.gather(*(w.abort() for w in writers), return_exceptions=True)
        if self.storage is not None:
            self.storage.close()
            self.storage = None
