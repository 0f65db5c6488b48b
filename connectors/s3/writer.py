"""Per topic-partition writing: open objects, rotation, and the offset safe to commit.

Records of one Kafka partition go, in offset order, into one open object per encoded
partition. Those objects form a *rotation group* that starts at the first record after
the last commit point. A rotation completes every object of the group and moves the
commit point to the offset after the group's last record. Rotation triggers are:

- ``flush.size`` records in the group;
- record time: the record is ``rotate.interval.ms`` or more after the group's first one;
- a record needing another schema than its object was opened with (Avro, Parquet);
- wall clock: ``rotate.schedule.interval.ms`` boundaries, checked on ``put`` and
  ``pre_commit`` (so idle partitions are flushed too);
- the task's buffer going over ``s3.buffer.max.bytes`` (largest group first).

The first three depend on the records only, so after a crash the task, resuming from
the commit point, cuts exactly the same objects and overwrites the same keys. The last
two depend on time and memory and do not (see docs/s3.md).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import structlog

from connect.api import ConnectError, DataError, SinkRecord, TopicPartition
from connectors.s3 import layout
from connectors.s3.config import S3SinkConfig
from connectors.s3.formats import FileEncoder, Format
from connectors.s3.partitioners import (
    DefaultPartitioner,
    Partitioner,
    TimestampExtractor,
    align,
)
from connectors.s3.storage import S3Storage
from connectors.s3.upload import BufferAccount, ObjectUpload

log = structlog.get_logger(__name__)

_RUN = 1024  # records encoded at once on the fast path


@dataclass
class OpenObject:
    """An object of the current rotation group."""

    key: str
    start_offset: int
    encoder: FileEncoder
    upload: ObjectUpload
    end_offset: int = -1
    count: int = 0
    # encoded records not yet handed to the upload: joined once per batch (or part)
    chunks: list[bytes] = field(default_factory=list)
    pending: int = 0

    @property
    def buffered(self) -> int:
        return self.upload.buffered + self.encoder.held + self.pending

    def hand_over(self) -> None:
        """Pass the encoded bytes collected so far to the upload."""
        if self.chunks:
            chunks, self.chunks, self.pending = self.chunks, [], 0
            self.upload.write_many(chunks)


@dataclass
class WriterStats:
    """Counters for tests, logs and benchmarks."""

    records: int = 0
    objects: int = 0
    bytes: int = 0
    rotations: dict[str, int] = field(default_factory=dict)
    # called with (partition, bytes, seconds) for each completed object (the metrics)
    on_object: Callable[[TopicPartition, int, float], None] | None = None


class TopicPartitionWriter:
    """Writes the records of one Kafka partition into objects and tracks the commit point."""

    def __init__(
        self,
        tp: TopicPartition,
        config: S3SinkConfig,
        fmt: Format,
        partitioner: Partitioner,
        extractor: TimestampExtractor,
        storage: S3Storage,
        account: BufferAccount,
        stats: WriterStats | None = None,
        relieve: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.tp = tp
        self.config = config
        self.format = fmt
        self.partitioner = partitioner
        self.extractor = extractor
        self.storage = storage
        self.account = account
        self.stats = stats or WriterStats()
        self.relieve = relieve  # the task's way to get under s3.buffer.max.bytes
        self.on_complete: Callable[[], None] | None = None  # a group reached the bucket
        self.broken: BaseException | None = None
        # groups being completed, oldest first: (commit point after the group, task)
        self.completing: list[tuple[int, asyncio.Task[None]]] = []
        self.extension = fmt.extension + (".gz" if config.compression == "gzip" else "")
        self.objects: dict[str, OpenObject] = {}
        self.next_offset: int | None = None  # offset after the last record taken
        self.commit_point: int | None = None  # everything before it is in complete objects
        self.group_start: int | None = None
        self.group_count = 0
        self.group_time: int | None = None  # record time of the group's first record
        self.deadline: float | None = None  # wall-clock rotation (seconds since epoch)
        self._gzip_level = config.compression_level if config.compression == "gzip" else None
        self._needs_time = config.needs_timestamp
        self._zone = ZoneInfo(config.timezone)
        # the default partitioner's path is the same for every record of the partition
        self._fixed_path = (
            f"partition={tp.partition}" if isinstance(partitioner, DefaultPartitioner) else ""
        )
        self._ignore_nulls = config.null_values == "ignore"
        # records encode in runs when nothing is decided per record but nulls
        self._runs = bool(self._fixed_path) and fmt.stateless_lines and not self._needs_time
        self._fail_nulls = config.null_values == "fail"

    # ------------------------------------------------------------ state

    @property
    def buffered(self) -> int:
        return sum(obj.buffered for obj in self.objects.values())

    def committable(self) -> int | None:
        """The offset to commit: all records before it are in complete objects."""
        self.harvest()
        if not self.objects and not self.completing and self.next_offset is not None:
            return self.next_offset
        return self.commit_point

    def failed(self) -> BaseException | None:
        """An upload error, if a part or a group failed."""
        for obj in self.objects.values():
            exc = obj.upload.failed()
            if exc is not None:
                return exc
        for _, task in self.completing:
            if task.done() and not task.cancelled() and task.exception() is not None:
                return task.exception()
        return self.broken

    # ------------------------------------------------------------ writing

    async def write(self, records: list[SinkRecord]) -> None:
        """Take ``records`` (this partition's, in offset order); skips ones already taken."""
        self.harvest()
        if self._runs:
            await self._write_runs(records)
        else:
            await self._write_each(records)

    async def _write_runs(self, records: list[SinkRecord]) -> None:
        """The fast path for line formats into one path: runs of records are encoded at
        once. Every decision of ``_write_each`` is kept, taken per run instead of per
        record: a run never crosses ``flush.size``, and the buffer is checked after each
        run (a run is at most ``_RUN`` records of the batch already in memory)."""
        i, n = 0, len(records)
        if self.next_offset is not None:
            while i < n and records[i].offset < self.next_offset:
                i += 1  # a batch redelivered after backpressure: already written
        flush_size, part_size, limit = (
            self.config.flush_size,
            self.config.part_size,
            self.account.limit,
        )
        path, encode_many = self._fixed_path, self.format.encode_many
        taken = 0
        try:
            while i < n:
                end = min(n, i + _RUN, i + flush_size - self.group_count)
                # null values need a decision each (write, skip or fail): one at a time
                for k in range(i, end):
                    r = records[k]
                    if r.value is None and r.raw_value is None:
                        end = k
                        break
                if end == i:
                    await self._write_each(records[i : i + 1])
                    i += 1
                    continue
                run = records[i:end]
                first, last = run[0], run[-1]
                obj = self.objects.get(path)
                if obj is None:
                    obj = self._open(first, path)
                if not self.group_count:
                    self._start_group(first, None)
                data = encode_many(run)
                obj.chunks.append(data)
                obj.pending += len(data)
                if obj.pending >= part_size:
                    obj.hand_over()
                obj.end_offset = last.offset
                obj.count += len(run)
                self.next_offset = last.offset + 1
                self.group_count += len(run)
                taken += len(run)
                i = end
                if self.group_count >= flush_size:
                    await self.rotate("flush.size")
                elif self.account.total + obj.pending > limit and self.relieve is not None:
                    self._hand_over_all()
                    await self.relieve()
        finally:
            self.stats.records += taken
            self._hand_over_all()

    async def _write_each(self, records: list[SinkRecord]) -> None:
        flush_size = self.config.flush_size
        rotate_ms = self.config.rotate_interval_ms
        part_size = self.config.part_size
        fixed_path = self._fixed_path
        objects = self.objects
        limit = self.account.limit
        taken = 0
        held = 0  # bytes in chunks, not yet counted by the buffer account
        try:
            for record in records:
                offset = record.offset
                if self.next_offset is not None and offset < self.next_offset:
                    continue  # a batch redelivered after backpressure: already written
                if record.value is None and record.raw_value is None and self._skip_null(record):
                    continue
                ts = self.extractor(record) if self._needs_time else None
                if (
                    rotate_ms > 0
                    and ts is not None
                    and objects
                    and self.group_time is not None
                    and ts - self.group_time >= rotate_ms
                ):
                    await self.rotate("rotate.interval.ms")
                    held = 0
                encoded = fixed_path or self.partitioner.encode(record, ts)
                obj = objects.get(encoded)
                if obj is not None and not obj.encoder.accepts(record):
                    await self.rotate("schema change")
                    held = 0
                    obj = None
                if obj is None:
                    obj = self._open(record, encoded)
                if not self.group_count:
                    self._start_group(record, ts)
                data = obj.encoder.write(record)
                if data:
                    obj.chunks.append(data)
                    obj.pending += len(data)
                    held += len(data)
                    if obj.pending >= part_size:
                        held -= obj.pending
                        obj.hand_over()
                obj.end_offset = offset
                obj.count += 1
                self.next_offset = offset + 1
                self.group_count += 1
                taken += 1
                if self.group_count >= flush_size:
                    await self.rotate("flush.size")  # hands every chunk over
                    held = 0
                elif self.account.total + held > limit and self.relieve is not None:
                    self._hand_over_all()
                    held = 0
                    await self.relieve()
        finally:
            self.stats.records += taken
            self._hand_over_all()

    def _hand_over_all(self) -> None:
        for obj in self.objects.values():
            obj.hand_over()

    def _skip_null(self, record: SinkRecord) -> bool:
        """``behavior.on.null.values``: True when a null-valued record is skipped."""
        if self._fail_nulls:
            raise DataError(
                f"record {record.topic}-{record.partition}@{record.offset} has a null "
                "value (behavior.on.null.values=fail)"
            )
        if not self._ignore_nulls:
            return False
        self.next_offset = record.offset + 1
        if not self.objects and not self.completing:
            self.commit_point = self.next_offset
        return True

    def _start_group(self, record: SinkRecord, ts: int | None) -> None:
        self.group_start = record.offset
        self.group_time = ts
        interval = self.config.rotate_schedule_interval_ms
        if interval > 0:
            # the next interval boundary in the configured zone, as Kafka Connect schedules it
            aligned = align(int(time.time() * 1000), interval, self._zone)
            self.deadline = (aligned + interval) / 1000

    def _open(self, record: SinkRecord, encoded: str) -> OpenObject:
        key = layout.object_key(
            self.config.prefix(),
            record.topic,
            encoded,
            record.partition,
            record.offset,
            self.extension,
            include_topic=self.config.path_include_topic,
            pad=self.config.zero_pad_width,
        )
        base = self.group_start if self.group_count else record.offset
        metadata = {
            layout.META_TOPIC: record.topic,
            layout.META_PARTITION: str(record.partition),
            layout.META_START: str(record.offset),
            layout.META_BASE: str(base),
        }
        upload = ObjectUpload(
            self.storage,
            key,
            metadata,
            part_size=self.config.part_size,
            account=self.account,
            gzip_level=self._gzip_level,
        )
        encoder = self.format.encoder(record)
        obj = OpenObject(key, record.offset, encoder, upload)
        self.objects[encoded] = obj
        return obj

    # ------------------------------------------------------------ rotation

    async def rotate(self, reason: str) -> None:
        """Close the group: its objects complete in the background, and the commit point
        moves past the group once all of them are in the bucket (see ``harvest``)."""
        if not self.objects:
            return
        objects = list(self.objects.values())
        self.objects.clear()
        for obj in objects:
            obj.hand_over()
        end = self.next_offset
        assert end is not None
        task = asyncio.ensure_future(self._complete_group(objects, end, reason))
        self.completing.append((end, task))
        self.account.uploads.add(task)
        task.add_done_callback(self.account.uploads.discard)
        task.add_done_callback(self._completed)
        self.group_count = 0
        self.group_start = None
        self.group_time = None
        self.deadline = None
        self.stats.rotations[reason] = self.stats.rotations.get(reason, 0) + 1

    async def _complete_group(self, objects: list[OpenObject], end: int, reason: str) -> None:
        try:
            await asyncio.gather(*(self._complete(obj) for obj in objects))
            log.debug(
                "objects written",
                topic=self.tp.topic,
                partition=self.tp.partition,
                objects=len(objects),
                commit_offset=end,
                reason=reason,
            )
        except BaseException:
            await asyncio.gather(*(o.upload.abort() for o in objects), return_exceptions=True)
            raise

    def _completed(self, task: asyncio.Future[None]) -> None:
        if self.on_complete is not None:
            self.on_complete()

    def harvest(self) -> None:
        """Move the commit point past the groups completed so far, in order.

        A failed group breaks the writer: what was taken after the commit point is gone,
        so no later offset may be committed; the task must restart from the commit point.
        """
        while self.completing and self.completing[0][1].done():
            end, task = self.completing.pop(0)
            exc = (
                asyncio.CancelledError("upload cancelled") if task.cancelled() else task.exception()
            )
            if exc is not None:
                self._break(exc)
            else:
                self.commit_point = end
        if self.broken is not None:
            raise ConnectError(
                f"{self.tp.topic}-{self.tp.partition}: writing objects failed ({self.broken}); "
                "the task restarts from the committed offset"
            ) from self.broken

    def _break(self, exc: BaseException) -> None:
        if self.broken is None:
            self.broken = exc
        self.next_offset = self.commit_point
        self.group_count = 0
        for obj in self.objects.values():
            obj.upload.abort_soon()
        self.objects.clear()

    async def settle(self) -> None:
        """Wait for the groups being completed, then ``harvest``."""
        if self.completing:
            await asyncio.gather(*(t for _, t in self.completing), return_exceptions=True)
        self.harvest()

    async def _complete(self, obj: OpenObject) -> None:
        tail = obj.encoder.finish()
        obj.upload.write(tail)
        started = time.monotonic()
        await obj.upload.complete(
            {layout.META_END: str(obj.end_offset), layout.META_COUNT: str(obj.count)}
        )
        self.stats.objects += 1
        self.stats.bytes += obj.upload.size
        if self.stats.on_object is not None:
            self.stats.on_object(self.tp, obj.upload.size, time.monotonic() - started)

    async def rotate_if_due(self, now: float | None = None) -> bool:
        """Wall-clock rotation (``rotate.schedule.interval.ms``), for idle partitions too."""
        if self.deadline is None or not self.objects:
            return False
        if (now if now is not None else time.time()) < self.deadline:
            return False
        await self.rotate("rotate.schedule.interval.ms")
        return True

    async def abort(self) -> None:
        """Drop the open objects (nothing of them becomes visible) and wait for the groups
        being completed (they are complete objects either way)."""
        objects = list(self.objects.values())
        self.objects.clear()
        self.group_count = 0
        self.group_start = None
        self.deadline = None
        await asyncio.gather(*(obj.upload.abort() for obj in objects), return_exceptions=True)
        if self.completing:
            await asyncio.gather(*(t for _, t in self.completing), return_exceptions=True)
