"""The sink loop: consume → convert → transform → put → pre_commit → commit.

Only the offsets a task's ``pre_commit`` returns are committed to the consumer group
``connect-<connector>``, and only after the dead-letter queue acknowledged every
record sent to it. A task raising ``BackpressureError`` gets its partitions paused and
the same batch again after ``retry_after`` — fetching stops, memory stays bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener
from aiokafka import TopicPartition as KafkaTP
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError

from connect.api import BackpressureError, SinkRecord, SinkTask, SinkTaskContext, TopicPartition
from connect.errors import SKIP, Stage
from connect.errors.dlq import DeadLetterQueue
from connect.runners.base import RunnerContext, RunnerIds, TaskRunner, freeze_startup_objects

log = structlog.get_logger(__name__)

MAX_POLL_RECORDS = 10_000
LAG_INTERVAL_S = 1.0


class _Context(RunnerIds, SinkTaskContext):
    def __init__(self, runner: SinkRunner) -> None:
        super().__init__(runner)
        self._runner = runner

    def assignment(self) -> set[TopicPartition]:
        return set(self._runner.assigned)

    def pause(self, *partitions: TopicPartition) -> None:
        self._runner.task_paused.update(partitions)
        self._runner.apply_pauses()

    def resume(self, *partitions: TopicPartition) -> None:
        self._runner.task_paused.difference_update(partitions)
        self._runner.apply_pauses()

    def request_commit(self) -> None:
        self._runner.commit_requested = True
        self._runner.commit_wanted.set()


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, runner: SinkRunner) -> None:
        self.runner = runner

    async def on_partitions_revoked(self, revoked: list[KafkaTP]) -> None:
        await self.runner.on_revoked([TopicPartition(tp.topic, tp.partition) for tp in revoked])

    async def on_partitions_assigned(self, assigned: list[KafkaTP]) -> None:
        await self.runner.on_assigned([TopicPartition(tp.topic, tp.partition) for tp in assigned])


class SinkRunner(TaskRunner):
    """Runs a ``SinkTask`` in the consumer group ``connect-<connector>``."""

    task: SinkTask

    def __init__(self, ctx: RunnerContext) -> None:
        super().__init__(ctx)
        assert isinstance(ctx.task, SinkTask)
        self.task = ctx.task
        self.group = f"connect-{self.id.connector}"
        self.consumer: AIOKafkaConsumer | None = None
        self.assigned: set[TopicPartition] = set()
        self.task_paused: set[TopicPartition] = set()
        self._backpressure_paused = False
        self.consumed: dict[TopicPartition, int] = {}
        self.committed: dict[TopicPartition, int] = {}
        self.commit_requested = False
        self.commit_wanted = asyncio.Event()  # wakes the loop while it waits for records
        self.dlq: DeadLetterQueue | None = None
        self._dlq_producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()
        self._task_started = False
        self.records_put = 0
        self.lags: dict[TopicPartition, int] = {}
        self._positions: dict[TopicPartition, int] = {}
        self._lag_read = 0.0
        self.metrics.lag = lambda: max(self.lags.values(), default=0) if self.lags else None
        self.metrics.partitions = lambda: len(self.assigned)

    # ------------------------------------------------------------ lifecycle

    async def run(self) -> None:
        consumer_settings: dict[str, Any] = {
            "group_id": self.group,
            "enable_auto_commit": False,
            "auto_offset_reset": self.ctx.config.get("consumer.override.auto.offset.reset")
            or "earliest",
            "max_poll_records": MAX_POLL_RECORDS,
        }
        self.consumer = self.ctx.clients.consumer(**consumer_settings)
        try:
            await self._open_dlq()
            self.task.initialize(_Context(self))
            await self.task.start(dict(self.ctx.config))
            self._task_started = True
            freeze_startup_objects()
            listener = _Listener(self)
            if self.common.topics:
                self.consumer.subscribe(topics=list(self.common.topics), listener=listener)
            elif self.common.topics_regex:
                self.consumer.subscribe(pattern=self.common.topics_regex, listener=listener)
            else:
                raise ValueError("a sink needs topics or topics.regex")
            await self.consumer.start()
            await self._loop()
            async with self._lock:
                await self._commit()
        finally:
            await self._close()

    async def _close(self) -> None:
        try:
            if self._task_started and self.assigned:
                async with self._lock:
                    await self.task.close(sorted(self.assigned))
                    self.assigned.clear()
            await self.task.stop()
        finally:
            self._task_started = False
            if self.consumer is not None:
                await self.consumer.stop()
            if self._dlq_producer is not None:
                await self._dlq_producer.stop()

    async def _open_dlq(self) -> None:
        topic = self.common.errors_deadletterqueue_topic_name
        if not topic:
            return
        await self.ctx.clients.ensure_topic(
            topic, replication_factor=self.common.errors_deadletterqueue_topic_replication_factor
        )
        self._dlq_producer = self.ctx.clients.producer(acks="all", linger_ms=5)
        await self._dlq_producer.start()
        self.dlq = DeadLetterQueue(
            self._dlq_producer,
            topic,
            connector=self.id.connector,
            task_id=self.id.task,
            context_headers=self.common.errors_deadletterqueue_context_headers_enable,
        )
        self.errors.dead_letter = self._dead_letter

    async def _dead_letter(self, record: SinkRecord, failure: Any) -> None:
        assert self.dlq is not None
        try:
            await self.dlq.send(record, failure)
        except Exception:
            self.metrics.dlq_failures += 1
            raise

    # ------------------------------------------------------------ rebalance

    async def on_assigned(self, partitions: list[TopicPartition]) -> None:
        async with self._lock:
            self.assigned.update(partitions)
            if partitions:
                await self.task.open(sorted(partitions))
            self.apply_pauses()

    async def on_revoked(self, partitions: list[TopicPartition]) -> None:
        async with self._lock:
            mine = [tp for tp in partitions if tp in self.assigned]
            if not mine or not self._task_started:
                return
            await self._commit()
            await self.task.close(sorted(mine))
            for tp in mine:
                self.assigned.discard(tp)
                self.consumed.pop(tp, None)
                self.committed.pop(tp, None)
                self.lags.pop(tp, None)
                self._positions.pop(tp, None)
                self.task_paused.discard(tp)

    def apply_pauses(self) -> None:
        """Pause what the task paused, or everything when paused by user or backpressure."""
        if self.consumer is None:
            return
        everything = self.paused or self._backpressure_paused
        try:
            current = set(self.consumer.assignment())
            want = (
                current
                if everything
                else {
                    tp
                    for tp in current
                    if TopicPartition(tp.topic, tp.partition) in self.task_paused
                }
            )
            self.consumer.pause(*want)
            self.consumer.resume(*(current - want))
        except IllegalStateError:
            pass  # no assignment yet

    def pause(self) -> None:
        super().pause()
        self.apply_pauses()

    def resume(self) -> None:
        super().resume()
        self.apply_pauses()

    # ------------------------------------------------------------ loop

    async def _loop(self) -> None:
        assert self.consumer is not None
        next_commit = time.monotonic() + self.flush_interval
        consumer = self.consumer
        fetch: asyncio.Future[dict[KafkaTP, list[Any]]] | None = None
        try:
            while not self.stopping:
                if fetch is None:
                    fetch = asyncio.ensure_future(
                        self.errors.run(
                            Stage.KAFKA_CONSUME,
                            lambda: consumer.getmany(timeout_ms=200, max_records=MAX_POLL_RECORDS),
                            executing=consumer,
                        )
                    )
                if not fetch.done() and not self.commit_requested:
                    # a commit the task asks for (its data just became durable) is made
                    # at once, not when the poll returns
                    wanted = asyncio.ensure_future(self.commit_wanted.wait())
                    await asyncio.wait((fetch, wanted), return_when=asyncio.FIRST_COMPLETED)
                    wanted.cancel()
                async with self._lock:
                    if fetch.done():
                        batch, fetch = fetch.result(), None
                        await self._deliver(batch)
                    if self.metrics.enabled and time.monotonic() - self._lag_read >= LAG_INTERVAL_S:
                        await self._read_lag()
                    if self.commit_requested or time.monotonic() >= next_commit:
                        self.commit_requested = False
                        self.commit_wanted.clear()
                        await self._commit()
                        next_commit = time.monotonic() + self.flush_interval
        finally:
            if fetch is not None and not fetch.done():
                fetch.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await fetch

    async def _read_lag(self) -> None:
        """Lag per assigned partition: the end offset the last fetch saw minus the
        consumed position (a partition never fetched from has no lag yet)."""
        consumer = self.consumer
        assert consumer is not None
        self._lag_read = time.monotonic()
        lags: dict[TopicPartition, int] = {}
        for tp in list(self.assigned):
            ktp = KafkaTP(tp.topic, tp.partition)
            try:
                end = consumer.highwater(ktp)
                position = self.consumed.get(tp)
                if position is None:
                    position = self._positions.get(tp)
                if position is None and end is not None:
                    position = self._positions[tp] = await consumer.position(ktp)
            except (IllegalStateError, KafkaError):
                continue  # revoked meanwhile, or not yet positioned
            if end is not None and position is not None:
                lags[tp] = max(0, end - position)
        self.lags = lags

    async def _deliver(self, batch: dict[KafkaTP, list[Any]]) -> None:
        records: list[SinkRecord] = []
        last: dict[TopicPartition, int] = {}
        read = 0
        key_from, value_from = self.key_converter.from_bytes, self.value_converter.from_bytes
        transforms = self.transforms is not None
        for ktp, messages in batch.items():
            tp = TopicPartition(ktp.topic, ktp.partition)
            if tp not in self.assigned or not messages:
                continue
            topic, partition = ktp.topic, ktp.partition
            for msg in messages:
                # the hot loop: plain calls, a coroutine only for failures and transforms
                record: SinkRecord | None
                try:
                    key, key_schema = key_from(topic, msg.key)
                    value, value_schema = value_from(topic, msg.value)
                except Exception:
                    record = None
                else:
                    record = SinkRecord(
                        topic,
                        key,
                        value,
                        tuple(msg.headers or ()),
                        msg.timestamp,
                        key_schema,
                        value_schema,
                        partition,
                        msg.offset,
                        msg.key,
                        msg.value,
                    )
                if record is None:
                    record = await self._convert_slow(msg)
                if transforms and record is not None:
                    record = await self.transform(record)
                if record is not None:
                    records.append(record)
            last[tp] = messages[-1].offset + 1
            read += len(messages)
        m = self.metrics
        m.read += read
        started = time.monotonic()
        await self._put(records)
        m.put_time.add((time.monotonic() - started) * 1000)
        m.sent += len(records)
        m.batch_size.add(len(records))
        self.records_put += len(records)
        self.consumed.update(last)

    async def _convert_slow(self, msg: Any) -> SinkRecord | None:
        """Conversion under retry and tolerance, after the fast path failed."""
        kc, vc, topic = self.key_converter, self.value_converter, msg.topic
        base = SinkRecord(
            topic=topic,
            partition=msg.partition,
            offset=msg.offset,
            headers=tuple(msg.headers or ()),
            timestamp=msg.timestamp,
            raw_key=msg.key,
            raw_value=msg.value,
        )
        k = await self.errors.run(
            Stage.KEY_CONVERTER, lambda: kc.from_bytes(topic, msg.key), base, executing=kc
        )
        if k is SKIP:
            return None
        v = await self.errors.run(
            Stage.VALUE_CONVERTER, lambda: vc.from_bytes(topic, msg.value), base, executing=vc
        )
        if v is SKIP:
            return None
        (key, key_schema), (value, value_schema) = k, v
        return base.with_(key=key, value=value, key_schema=key_schema, value_schema=value_schema)

    async def _put(self, records: list[SinkRecord]) -> None:
        while True:
            try:
                await self.errors.run(
                    Stage.TASK_PUT,
                    lambda: self.task.put(records),
                    executing=self.task,
                    where=lambda: _batch(records),
                )
                break
            except BackpressureError as exc:
                log.info("sink asks to slow down", retry_after=exc.retry_after, reason=str(exc))
                self._backpressure_paused = True
                self.apply_pauses()
                if not await self.sleep(exc.retry_after):
                    raise
        if self._backpressure_paused:
            self._backpressure_paused = False
            self.apply_pauses()

    async def _commit(self) -> None:
        """pre_commit, then commit what the task says is durable (lock held)."""
        assert self.consumer is not None
        if not self.assigned:
            return
        if self.dlq is not None:
            pending = self.dlq.pending
            try:
                await self.dlq.flush()
            except Exception:
                self.metrics.dlq_failures += pending
                raise
        current = {tp: off for tp, off in self.consumed.items() if tp in self.assigned}
        safe = await self.task.pre_commit(current)
        commit = {
            KafkaTP(tp.topic, tp.partition): off
            for tp, off in safe.items()
            if tp in self.assigned and off != self.committed.get(tp)
        }
        if not commit:
            return
        started = time.monotonic()
        try:
            await self.consumer.commit(commit)
        except (CommitFailedError, IllegalStateError) as exc:
            # a rebalance took the partitions; the next owner re-reads from the last commit
            self.metrics.commit_failed(time.monotonic() - started)
            log.warning("commit failed, partitions will be re-delivered", error=str(exc))
            return
        self.metrics.committed(time.monotonic() - started)
        for ktp, off in commit.items():
            self.committed[TopicPartition(ktp.topic, ktp.partition)] = off
        log.debug(
            "offsets committed", offsets={f"{k.topic}-{k.partition}": v for k, v in commit.items()}
        )


def _batch(records: list[SinkRecord]) -> str:
    """A put batch as ``topic-partition[first..last]`` ranges, without payloads."""
    spans: dict[tuple[str, int], list[int]] = {}
    for r in records:
        span = spans.setdefault((r.topic, r.partition), [r.offset, r.offset])
        span[0], span[1] = min(span[0], r.offset), max(span[1], r.offset)
    ranges = ", ".join(f"{t}-{p}[{a}..{b}]" for (t, p), (a, b) in sorted(spans.items()))
    return f"a batch of {len(records)} records ({ranges or 'empty'})"
