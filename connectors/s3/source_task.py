"""The S3 source task: restores its share of the archived partitions into Kafka.

Each ``poll`` takes one batch (``s3.source.batch.records``, about
``s3.source.buffer.bytes``) from one partition, round robin, and returns it as a
``RawRecordBatch`` whose source offset is the partition's position after it. What blocks
(listing, GETs, reading the objects' bytes) runs in a worker thread, started for the next
batch while the runner sends this one; decoding runs on the event loop, in slices with
the loop let go between them, as a plain boto3 + aiokafka pipeline does: a thread
decoding beside the loop made the two take turns on the GIL at every socket event.

An S3 error that may pass (network, 5xx, throttling) pauses the restore: the
partition is rebuilt from its last handed-out position after a backoff, so nothing is
lost or repeated; other S3 errors fail the task (the worker restarts it from the
stored offsets).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import IO, Any, NamedTuple

import structlog

from connect.api import ConfigError, ConnectError, RawRecordBatch, SourceRecord, SourceTask
from connectors.s3 import listing
from connectors.s3.envelope import Archived, parse_json_text
from connectors.s3.formats import as_bytes
from connectors.s3.listing import ArchiveObject
from connectors.s3.restore import PartitionRestore
from connectors.s3.source_config import S3SourceConfig
from connectors.s3.storage import make_client, translate

log = structlog.get_logger(__name__)

_BYTES_CONVERTERS = {
    "bytes",
    "bytearray",
    "bytearrayconverter",
    "org.apache.kafka.connect.converters.bytearrayconverter",
}
_STRING_CONVERTERS = {
    "string",
    "stringconverter",
    "org.apache.kafka.connect.storage.stringconverter",
}


class Restored(NamedTuple):
    """A record for a ``RawRecordBatch``."""

    key: Any
    value: Any
    timestamp: int | None
    headers: tuple[tuple[str, bytes | None], ...]


def converter_kind(config: Mapping[str, Any], which: str) -> str:
    """``bytes``, ``string`` or ``other`` for the task's key or value converter."""
    name = str(config.get(f"{which}.converter") or "bytes").strip().lower()
    if name in _BYTES_CONVERTERS:
        return "bytes"
    if name in _STRING_CONVERTERS:
        return "string"
    return "other"


def _shaper(kind: str, parquet: bool) -> Any:
    """How an archived key or value is handed to the converter of ``kind``."""
    if kind == "bytes":
        return lambda v: v if v is None or isinstance(v, bytes) else as_bytes(v)
    if kind == "other" and parquet:
        return parse_json_text  # Parquet envelopes keep structures as JSON text
    return lambda v: v


def _has_work(part: PartitionRestore) -> bool:
    """Whether ``part`` may have records left (known without a listing call); when listing
    fails (S3 down), the read that follows meets the same error and pauses the restore."""
    return not part.finished


SLICE_RECORDS = 1000  # records decoded on the loop before it serves other tasks


_BYTES_OR_NONE = frozenset({bytes, type(None)})
_key, _value = itemgetter(4), itemgetter(5)  # Archived.key, Archived.value


def source_partition(topic: str, partition: int) -> dict[str, Any]:
    return {"topic": topic, "partition": partition}


class S3SourceTask(SourceTask):
    """Restores archived partitions; see ``connectors/s3/restore.py`` for the order rules."""

    version = "0.1.0"

    def __init__(self) -> None:
        self.config: S3SourceConfig | None = None
        self.client: Any = None
        self.partitions: list[PartitionRestore] = []
        self.positions: dict[tuple[str, int], Mapping[str, Any] | None] = {}
        self._turn = 0
        self._retry_at = 0.0
        self._backoff = 0.0
        self._next_list = 0.0
        self._completed = False
        self._reported = ""
        self._prefetch: tuple[PartitionRestore, asyncio.Future[Any]] | None = None

    # ------------------------------------------------------------ start

    async def start(self, config: Mapping[str, Any]) -> None:
        cfg = S3SourceConfig.model_validate(dict(config))
        self.config = cfg
        parquet = cfg.format == "parquet" and cfg.envelope
        self._key = _shaper(converter_kind(config, "key"), parquet)
        self._value = _shaper(converter_kind(config, "value"), parquet)
        self._as_is = converter_kind(config, "key") == converter_kind(config, "value") == "bytes"
        try:
            self.client = await asyncio.to_thread(make_client, cfg, 8)
            await asyncio.to_thread(self.client.head_bucket, Bucket=cfg.bucket)
            found = await asyncio.to_thread(self._discover)
        except ConnectError:
            raise
        except Exception as exc:
            err = translate(exc, f"cannot read bucket {cfg.bucket!r}")
            raise ConfigError(str(err), key="s3.bucket.name") from exc
        await self._check_targets(found)
        for topic, parts in sorted(found.items()):
            for partition in parts:
                if cfg.owns(topic, partition):
                    stored = self.context.offset(source_partition(topic, partition))
                    self.positions[(topic, partition)] = stored
                    self.partitions.append(self._restore(topic, partition, stored))
        log.info(
            "s3 source restoring",
            partitions=[f"{p.topic}-{p.partition}" for p in self.partitions],
            bucket=cfg.bucket,
        )

    def _discover(self) -> dict[str, list[int]]:
        cfg = self.config
        assert cfg is not None
        topics = list(cfg.topics) or listing.find_topics(self.client, cfg)
        return {t: listing.find_partitions(self.client, cfg, t) for t in topics}

    async def _check_targets(self, found: Mapping[str, list[int]]) -> None:
        cfg = self.config
        assert cfg is not None
        for topic, parts in sorted(found.items()):
            if not parts:
                continue
            target = cfg.target_topic(topic)
            count = await self.context.partition_count(target)
            need = max(parts) + 1 if cfg.restore_partition == "original" else 1
            if count is None:
                raise ConfigError(
                    f"target topic {target!r} does not exist: create it with at least {need} "
                    "partitions",
                    key="topic.rename.format",
                )
            if count < need:
                raise ConfigError(
                    f"target topic {target!r} has {count} partitions but {topic!r} was archived "
                    f"from {need}: add partitions, or set restore.partition=hash",
                    key="restore.partition",
                )

    def _fetch(self, obj: ArchiveObject) -> IO[bytes]:
        assert self.config is not None
        body: IO[bytes] = self.client.get_object(Bucket=self.config.bucket, Key=obj.key)["Body"]
        return body

    def _objects(self, topic: str, partition: int, start_after: str | None = None) -> Any:
        cfg = self.config
        assert cfg is not None
        if listing.prefix_listing(cfg):
            return listing.partition_objects(self.client, cfg, topic, partition, start_after)
        return iter(listing.all_objects(self.client, cfg, [topic]).get((topic, partition), []))

    def _restore(
        self, topic: str, partition: int, position: Mapping[str, Any] | None
    ) -> PartitionRestore:
        assert self.config is not None
        objects = self._objects(topic, partition)
        return PartitionRestore(topic, partition, self.config, self._fetch, objects, position)

    # ------------------------------------------------------------ poll

    async def poll(self) -> Sequence[RawRecordBatch | SourceRecord]:
        cfg = self.config
        assert cfg is not None
        now = time.monotonic()
        if now < self._retry_at:
            await asyncio.sleep(min(0.1, self._retry_at - now))
            return []
        if self._prefetch is None:
            self._prefetch = self._next_take()
        if self._prefetch is None:
            await self._idle(now)
            return []
        part, future = self._prefetch
        self._prefetch = None
        try:
            await future
            records = await self._take(part)
            position = part.position()
        except Exception as exc:
            await self._failed(part, exc)
            return []
        # what the next batch needs read is read (in a thread) while the runner sends this one
        self._prefetch = self._next_take()
        self._backoff = 0.0
        self._report_progress()
        tp = (part.topic, part.partition)
        if not records and position == self.positions.get(tp):
            return []
        self.positions[tp] = position
        return self._batch(part, records, position)

    async def _take(self, part: PartitionRestore) -> list[Archived]:
        """A batch of what ``part`` has read, decoded here in slices. Where a read is due,
        a batch of ``SLICE_RECORDS`` or more goes as it is (the next read runs while the
        runner sends it); a smaller one waits for the read (objects of a few records)."""
        cfg = self.config
        assert cfg is not None
        records: list[Archived] = []
        size = 0
        while len(records) < cfg.batch_records and size < cfg.buffer_bytes:
            want = min(SLICE_RECORDS, cfg.batch_records - len(records))
            taken = part.take(want, cfg.buffer_bytes - size, io=False)
            records += taken
            size += part.taken_bytes
            if part.blocked:
                if len(records) >= SLICE_RECORDS:
                    break
                await asyncio.to_thread(part.prepare, cfg.buffer_bytes - size)
            elif len(taken) < want:
                break  # every listed object is read
            else:
                await asyncio.sleep(0)
        return records

    def _next_take(self) -> tuple[PartitionRestore, asyncio.Future[Any]] | None:
        """Start reading what the next batch of the next partition with records left needs
        (round robin); only one read or take runs at a time, so a partition is never
        touched concurrently."""
        cfg = self.config
        assert cfg is not None
        active = [p for p in self.partitions if _has_work(p)]
        if not active:
            return None
        part = active[self._turn % len(active)]
        self._turn += 1
        return part, asyncio.ensure_future(asyncio.to_thread(part.prepare, cfg.buffer_bytes))

    def _batch(
        self, part: PartitionRestore, records: list[Archived], position: Mapping[str, Any]
    ) -> list[RawRecordBatch | SourceRecord]:
        cfg = self.config
        assert cfg is not None
        key, value = self._key, self._value
        target = cfg.target_topic(part.topic)
        sp = source_partition(part.topic, part.partition)
        if cfg.restore_partition == "hash" and records:
            restored = [
                SourceRecord(
                    target,
                    key(r.key),
                    value(r.value),
                    r.headers,
                    r.timestamp,
                    source_partition=sp,
                )
                for r in records
            ]
            restored[-1] = restored[-1].with_(source_offset=position)
            return list(restored)
        if self._as_is:  # bytes in and out: the records go as they were read
            out: list[Any] = records
            if not _BYTES_OR_NONE.issuperset(map(type, map(_key, records))) or not (
                _BYTES_OR_NONE.issuperset(map(type, map(_value, records)))
            ):
                out = [
                    Restored(key(r.key), value(r.value), r.timestamp, r.headers) for r in records
                ]
        else:
            out = [Restored(key(r.key), value(r.value), r.timestamp, r.headers) for r in records]
        return [RawRecordBatch(target, part.partition, out, sp, position)]

    async def _failed(self, part: PartitionRestore, exc: BaseException) -> None:
        assert self.config is not None
        err = translate(exc, f"reading {part.topic}-{part.partition} from {self.config.bucket!r}")
        # a connection lost while an object streams surfaces as a urllib3/botocore read error
        if not (err.retriable or _lost_connection(exc)):
            raise err from exc
        self._backoff = min(
            max(self._backoff * 2, self.config.retry_backoff_ms / 1000),
            self.config.retry_max_backoff_ms / 1000,
        )
        self._retry_at = time.monotonic() + self._backoff
        log.warning(
            "s3 source paused: S3 unavailable, retrying", error=str(err), retry_in_s=self._backoff
        )
        # rebuilt from the last position handed out: what the failed read took is dropped
        index = self.partitions.index(part)
        position = self.positions.get((part.topic, part.partition))
        replacement = self._restore(part.topic, part.partition, position)
        replacement.progress = part.progress
        self.partitions[index] = replacement

    async def _idle(self, now: float) -> None:
        cfg = self.config
        assert cfg is not None
        if cfg.poll_interval_ms <= 0:
            if not self._completed:
                self._completed = True
                self._report_progress(completed=True)
                log.info("s3 source completed", summary=self.summary())
            await asyncio.sleep(0.2)
            return
        if now < self._next_list:
            await asyncio.sleep(min(0.2, self._next_list - now))
            return
        self._next_list = now + cfg.poll_interval_ms / 1000
        try:
            await asyncio.to_thread(self._relist)
        except Exception as exc:
            log.warning("s3 source cannot list new objects", error=str(translate(exc, "list")))

    def _relist(self) -> None:
        for part in self.partitions:
            part.extend(self._objects(part.topic, part.partition, part.last_key))

    # ------------------------------------------------------------ status

    def summary(self) -> str:
        """One line: records restored, objects read, gaps and overlaps found."""
        restored = sum(p.progress.restored for p in self.partitions)
        objects = sum(p.progress.objects for p in self.partitions)
        out = [f"{restored} records restored from {objects} objects"]
        for p in self.partitions:
            for first, last in p.progress.gaps:
                out.append(f"gap: {p.topic}-{p.partition} offsets {first}..{last} missing")
            for key, first, last in p.progress.overlaps:
                out.append(f"overlap: {key} offsets {first}..{last} restored once")
        return "; ".join(out)

    def _report_progress(self, completed: bool = False) -> None:
        issues = any(p.progress.gaps or p.progress.overlaps for p in self.partitions)
        if not (completed or issues):
            return
        message = ("completed: " if completed else "") + self.summary()
        if message != self._reported:
            self._reported = message
            self.context.report(message)

    async def stop(self) -> None:
        prefetch, self._prefetch = self._prefetch, None
        if prefetch is not None:  # a read in a thread cannot be cancelled: let it end
            await asyncio.gather(prefetch[1], return_exceptions=True)
        client, self.client = self.client, None
        if client is not None:
            client.close()


def _lost_connection(exc: BaseException) -> bool:
    from botocore.exceptions import ClientError, HTTPClientError, ResponseStreamingError

    if isinstance(exc, ClientError):
        return False
    if isinstance(exc, ResponseStreamingError | HTTPClientError | ConnectionError | TimeoutError):
        return True
    return type(exc).__module__.startswith("urllib3")
