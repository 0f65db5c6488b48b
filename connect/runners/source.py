"""The source loop: poll → transform → convert → produce → checkpoint.

Offsets are stored only after every record sent before them was acknowledged by
Kafka: at each checkpoint the runner awaits the pending sends, then writes the
newest ``source_offset`` per source partition. Checkpoints happen every
``offset.flush.interval.ms`` and whenever unacknowledged bytes exceed
``task.inflight.max.bytes`` (which also bounds memory).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from connect.api import (
    ConfigError,
    ConnectError,
    DataError,
    PassthroughBatch,
    RawRecordBatch,
    SourceRecord,
    SourceTask,
    SourceTaskContext,
)
from connect.converters.simple import BytesConverter
from connect.errors import SKIP, Stage
from connect.kafka import knows_partition, knows_topics, translate
from connect.offsets import KafkaOffsetStore, partition_key
from connect.runners.base import RunnerContext, RunnerIds, TaskRunner, freeze_startup_objects
from connect.runners.passthrough import PassthroughSender, decoded

log = structlog.get_logger(__name__)

IDLE_SLEEP = 0.05
_NO_HEADERS: list[Any] = []
Polled = (
    SourceRecord | RawRecordBatch | PassthroughBatch
)  # aiokafka's batch builder wants a list; it never changes it


class _Context(RunnerIds, SourceTaskContext):
    def __init__(self, runner: SourceRunner) -> None:
        super().__init__(runner)
        self._runner = runner

    def offset(self, partition: Mapping[str, Any]) -> Mapping[str, Any] | None:
        store = self._runner.ctx.offsets
        return store.get(self.connector_name, partition) if store else None

    async def partition_count(self, topic: str) -> int | None:
        admin = self._runner.ctx.clients.admin()
        await admin.start()
        try:
            # never describe a missing topic: a metadata request may auto-create it
            if topic not in set(await admin.list_topics()):
                return None
            described = await admin.describe_topics([topic])
        except KafkaError as exc:
            raise translate(exc, f"cannot describe topic {topic}") from exc
        finally:
            await admin.close()
        for meta in described:
            if meta.get("topic") == topic:
                return len(meta.get("partitions") or [])
        return None

    def report(self, message: str | None) -> None:
        self._runner.status_message = message
        if self._runner.on_report is not None:
            self._runner.on_report(message)


class SourceRunner(TaskRunner):
    """Runs a ``SourceTask``."""

    task: SourceTask

    def __init__(self, ctx: RunnerContext) -> None:
        super().__init__(ctx)
        assert isinstance(ctx.task, SourceTask)
        self.task = ctx.task
        self.producer: AIOKafkaProducer | None = None
        self._pending: list[asyncio.Future[Any]] = []
        self._latest: dict[str, Mapping[str, Any] | None] = {}
        self._inflight = 0
        self.max_inflight = ctx.worker.task_inflight_max_bytes
        # records with a pinned partition are appended to one open batch per partition
        # and sent whole: far cheaper per record than send()
        self._batches: dict[tuple[str, int], Any] = {}
        self.records_sent = 0
        self.status_message: str | None = None  # what the task last reported about itself
        self.on_report: Callable[[str | None], None] | None = None  # the worker's status
        self._acked = 0  # records_sent when Kafka last acknowledged everything
        self.metrics.active = lambda: self.records_sent - self._acked
        # RawRecordBatch records go into producer batches as they are only when nothing
        # would change them on the way
        self._raw_direct = (
            self.transforms is None
            and isinstance(self.key_converter, BytesConverter)
            and isinstance(self.value_converter, BytesConverter)
        )
        self._raw_pending: list[asyncio.Future[Any]] = []  # passthrough produce requests
        self._passthrough: PassthroughSender | None = None
        # exactly.once.support: each poll's records and the offsets after them are written
        # in one Kafka transaction, with the offsets topic on the same cluster
        self.exactly_once = str(ctx.config.get("exactly.once.support", "disabled")).lower() in (
            "enabled",
            "required",
        )
        # PassthroughBatch bytes go to Kafka as they are only when nothing would change them
        self._pass_direct = self._raw_direct and not self.exactly_once

    async def run(self) -> None:
        forced: dict[str, Any] = {"acks": "all"}
        if self.exactly_once:
            forced.update(
                enable_idempotence=True,
                transactional_id=f"connect-{self.id.connector}-{self.id.task}",
            )
            if not isinstance(self.ctx.offsets, KafkaOffsetStore):
                raise ConfigError(
                    "needs source offsets in Kafka (not offset.storage.file.filename)",
                    key="exactly.once.support",
                )
        self.producer = self.ctx.clients.producer(
            defaults={
                "linger_ms": 5,
                "max_batch_size": 512 * 1024,
                "max_request_size": 8 * 1024 * 1024,
            },
            **forced,
        )
        try:
            await self.producer.start()
            self._passthrough = PassthroughSender(self.producer)
            self.task.initialize(_Context(self))
            await self.task.start(dict(self.ctx.config))
            freeze_startup_objects()
            await self._loop()
            await self.checkpoint()
        finally:
            try:
                await self.task.stop()
            finally:
                await self.producer.stop()

    async def _loop(self) -> None:
        next_flush = time.monotonic() + self.flush_interval
        while not self.stopping:
            if self.paused:
                await self.checkpoint()
                await self.wait_running()
                continue
            polled_at = time.monotonic()
            records = await self.errors.run(Stage.TASK_POLL, self.task.poll, executing=self.task)
            if records is not SKIP and records:
                self._count_poll(records, time.monotonic() - polled_at)
            if records is not SKIP and records and self.exactly_once:
                await self._transaction(records)
            elif records is not SKIP and records:
                await self._send_all(records)
                await self._send_batches()
            elif not await self.sleep(IDLE_SLEEP):
                break
            if self._inflight >= self.max_inflight or time.monotonic() >= next_flush:
                await self.checkpoint()
                next_flush = time.monotonic() + self.flush_interval

    def _count_poll(self, records: Sequence[Polled], seconds: float) -> None:
        count = 0
        for r in records:
            t = type(r)
            if t is RawRecordBatch:
                count += len(r.records)  # type: ignore[union-attr]
            elif t is PassthroughBatch:
                count += r.record_count  # type: ignore[union-attr]
            else:
                count += 1
        m = self.metrics
        m.polled += count
        m.poll_time.add(seconds * 1000)
        m.batch_size.add(count)

    def _count_acked(self) -> None:
        self.metrics.written += self.records_sent - self._acked
        self._acked = self.records_sent

    async def _send_all(self, records: Sequence[Polled]) -> None:
        """Convert and hand every record to the producer, in one plain loop.

        Coroutines are awaited only for transforms, failures, full batches and
        unpinned records; the offset key of a source partition is computed once per poll.
        """
        keys: dict[int, str] = {}  # id(source_partition) -> key, valid while records live
        connector, latest = self.id.connector, self._latest
        key_to, value_to = self.key_converter.to_bytes, self.value_converter.to_bytes
        transforms, batches = self.transforms is not None, self._batches
        passthrough: list[PassthroughBatch] = []
        for original in records:
            if isinstance(original, PassthroughBatch):
                if self._pass_direct:
                    passthrough.append(original)
                else:
                    await self._send_raw(decoded(original))
                continue
            if passthrough:
                await self._send_passthrough(passthrough)
                passthrough = []
            if self._raw_pending:
                await self._await_passthrough()  # the record path must not overtake them
            if isinstance(original, RawRecordBatch):
                await self._send_raw(original)
                continue
            sp = original.source_partition
            pkey = keys.get(id(sp))
            if pkey is None:
                pkey = keys[id(sp)] = partition_key(connector, sp)
            record: SourceRecord | None = original
            if transforms:
                record = await self.transform(original)
            if record is not None:
                k: Any
                v: Any
                try:
                    k = key_to(record.topic, record.key, record.key_schema)
                    v = value_to(record.topic, record.value, record.value_schema)
                except Exception:
                    k = v = SKIP
                if k is SKIP:
                    k, v = await self._convert_slow(record)
                if v is not SKIP:
                    self._inflight += len(v or b"") + len(k or b"")
                    self.records_sent += 1
                    headers = list(record.headers)
                    batch = batches.get((record.topic, record.partition))  # type: ignore[arg-type]
                    if (
                        batch is None
                        or batch.append(key=k, value=v, timestamp=record.timestamp, headers=headers)
                        is None
                    ):
                        await self._send(record, k, v, headers)
            if original.source_offset is not None:
                latest[pkey] = original.source_offset
        if passthrough:
            await self._send_passthrough(passthrough)

    async def _send_passthrough(self, items: list[PassthroughBatch]) -> None:
        """Write record batches unchanged; their offsets count once the requests are acked."""
        if self._batches or self._pending:
            # records of the record path go first: send them and wait for their acks
            await self._send_batches()
            pending, self._pending = self._pending, []
            await self._gather(pending)
        assert self._passthrough is not None
        # one send in flight while the next poll reads: when the target is slow, batches
        # then wait in the source and come joined in the next fetch, rather than queue
        # here one small request each behind the slow one (a latency tail of 0.5 s)
        await self._await_passthrough()
        try:
            self._raw_pending = await self._passthrough.send(items)
        except KafkaError as exc:
            raise translate(exc, "cannot send record batches") from exc
        latest, connector = self._latest, self.id.connector
        for item in items:
            self._inflight += len(item.data)
            self.records_sent += item.record_count
            if item.source_offset is not None:
                latest[partition_key(connector, item.source_partition)] = item.source_offset

    async def _await_passthrough(self) -> None:
        pending, self._raw_pending = self._raw_pending, []
        await self._gather(pending)

    @staticmethod
    async def _gather(pending: list[asyncio.Future[Any]]) -> None:
        if pending:
            try:
                await asyncio.gather(*pending)
            except KafkaError as exc:
                raise translate(exc, "Kafka did not acknowledge records") from exc

    async def _send_raw(self, raw: RawRecordBatch) -> None:
        """Append records already in bytes to the open batch of their partition.

        Without bytes converters on both sides, or with transforms, they are expanded
        into ``SourceRecord``s and take the general path.
        """
        if not self._raw_direct:
            await self._send_all(raw.source_records())
        elif raw.records:
            producer = self.producer
            assert producer is not None
            topic, partition = raw.topic, raw.partition
            slot = (topic, partition)
            batch = self._batches.get(slot)
            if batch is None:
                batch = self._batches[slot] = producer.create_batch()
            start = batch.size()
            no_headers = _NO_HEADERS
            for r in raw.records:
                headers = r.headers
                headers = list(headers) if headers else no_headers
                key, value, timestamp = r.key, r.value, r.timestamp
                if batch.append(key=key, value=value, timestamp=timestamp, headers=headers) is None:
                    self._inflight += batch.size() - start
                    await self._append(topic, partition, key, value, timestamp, headers)
                    batch = self._batches[slot]
                    start = 0
            self._inflight += batch.size() - start
            self.records_sent += len(raw.records)
        if raw.source_offset is not None:
            self._latest[partition_key(self.id.connector, raw.source_partition)] = raw.source_offset

    async def _transaction(self, records: Sequence[Polled]) -> None:
        """Records and the offsets after them, committed together or not at all."""
        producer, store = self.producer, self.ctx.offsets
        assert producer is not None and isinstance(store, KafkaOffsetStore)
        try:
            async with producer.transaction():
                await self._send_all(records)
                await self._send_batches()
                latest, self._latest = self._latest, {}
                for key, value in store.serialize(latest):
                    await producer.send(store.topic, key=key, value=value)
                committing = time.monotonic()
        except KafkaError as exc:
            self.metrics.commit_failed(0.0)
            raise translate(exc, "transaction aborted") from exc
        self.metrics.committed(time.monotonic() - committing)
        # commit_transaction flushed every send: all of them are acknowledged
        self._pending, self._inflight = [], 0
        self._count_acked()
        store.apply(latest)
        await self.task.commit()

    async def _convert_slow(self, record: SourceRecord) -> tuple[Any, Any]:
        """Conversion under retry and tolerance; ``SKIP`` in either place if tolerated."""
        kc, vc = self.key_converter, self.value_converter
        k = await self.errors.run(
            Stage.KEY_CONVERTER,
            lambda: kc.to_bytes(record.topic, record.key, record.key_schema),
            record,
            executing=kc,
        )
        if k is SKIP:
            return SKIP, SKIP
        v = await self.errors.run(
            Stage.VALUE_CONVERTER,
            lambda: vc.to_bytes(record.topic, record.value, record.value_schema),
            record,
            executing=vc,
        )
        return k, v

    async def _send(
        self, record: SourceRecord, k: bytes | None, v: bytes | None, headers: list[Any]
    ) -> None:
        """A record that did not fit an open batch, or has no pinned partition."""
        if record.partition is not None:
            await self._append(record.topic, record.partition, k, v, record.timestamp, headers)
            return
        producer = self.producer
        assert producer is not None

        async def send() -> Any:
            try:
                return await producer.send(
                    record.topic,
                    value=v,
                    key=k,
                    timestamp_ms=record.timestamp,
                    headers=headers,
                )
            except KafkaError as exc:
                raise translate(exc, f"cannot send to {record.topic}") from exc

        try:
            future = await send()
            failed = False
        except ConnectError:
            failed = True
        if failed:  # slow path, outside the handler: retries per errors.retry.timeout
            future = await self.errors.run(Stage.KAFKA_PRODUCE, send, record, executing=producer)
        self._pending.append(future)

    async def _append(
        self,
        topic: str,
        partition: int,
        key: bytes | None,
        value: bytes | None,
        timestamp: int | None,
        headers: list[Any],
    ) -> None:
        assert self.producer is not None
        slot = (topic, partition)
        batch = self._batches.get(slot)
        if batch is None:
            batch = self._batches[slot] = self.producer.create_batch()
        if batch.append(key=key, value=value, timestamp=timestamp, headers=headers) is None:
            await self._send_batch(slot)
            batch = self._batches[slot] = self.producer.create_batch()
            if batch.append(key=key, value=value, timestamp=timestamp, headers=headers) is None:
                raise DataError(
                    f"record of {len(value or b'')} bytes does not fit a batch; "
                    "raise producer.max.request.size"
                )

    async def _send_batch(self, slot: tuple[str, int]) -> None:
        producer = self.producer
        assert producer is not None
        batch = self._batches.pop(slot)
        if batch.record_count() == 0:
            return

        async def send() -> Any:
            try:
                await knows_partition(producer, slot[0], slot[1])
                return await producer.send_batch(batch, slot[0], partition=slot[1])
            except KafkaError as exc:
                raise translate(exc, f"cannot send to {slot[0]}") from exc

        future = await self.errors.run(
            Stage.KAFKA_PRODUCE,
            send,
            executing=producer,
            where=f"a batch of {batch.record_count()} records for {slot[0]}-{slot[1]}",
        )
        self._pending.append(future)

    async def _send_batches(self) -> None:
        assert self.producer is not None
        await knows_topics(self.producer, {topic for topic, _ in self._batches})
        for slot in list(self._batches):
            await self._send_batch(slot)

    async def checkpoint(self) -> None:
        """Await acks of everything sent so far, then store the newest offsets."""
        await self._send_batches()
        pending, latest = self._pending + self._raw_pending, self._latest
        self._pending, self._raw_pending, self._latest, self._inflight = [], [], {}, 0
        await self._gather(pending)
        self._count_acked()
        if latest and self.ctx.offsets is not None:
            started = time.monotonic()
            try:
                await self.ctx.offsets.write(self.id.connector, latest)
            except Exception:
                self.metrics.commit_failed(time.monotonic() - started)
                raise
            self.metrics.committed(time.monotonic() - started)
        if pending or latest:
            await self.task.commit()
