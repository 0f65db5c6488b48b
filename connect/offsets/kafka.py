"""Offsets in a compacted Kafka topic (``offset.storage.topic``, default ``connect-offsets``).

On start the topic is read from the beginning to its end, last value per key wins,
which is correct whether or not compaction ever ran.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError

from connect.api.errors import RetriableError
from connect.kafka import KafkaClients, translate
from connect.offsets.base import OffsetStore

log = structlog.get_logger(__name__)


async def topic_partitions(
    consumer: AIOKafkaConsumer, topic: str, timeout: float = 15.0
) -> list[TopicPartition]:
    """Every partition of ``topic``, once the consumer's metadata knows them.

    Right after a topic is created (here or by another worker) a broker's metadata may not
    list it yet; reading "no partitions" then would take a full topic for an empty one.
    """
    deadline = asyncio.get_running_loop().time() + timeout
    delay = 0.05
    while True:
        parts = consumer.partitions_for_topic(topic)
        if parts:
            return [TopicPartition(topic, p) for p in sorted(parts)]
        if asyncio.get_running_loop().time() > deadline:
            raise RetriableError(f"{topic}: no partitions in the cluster's metadata yet")
        await consumer._client.force_metadata_update()
        if not consumer.partitions_for_topic(topic):
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)


async def read_to_end(consumer: AIOKafkaConsumer, tps: list[TopicPartition]) -> list[Any]:
    """Every record of ``tps`` from the beginning up to their end as of this call.

    The end of each partition is fixed once, at its first fetch: some brokers report a
    low end offset, and the high watermark (the last stable offset, read_committed) of a
    fetch is exact, but following it further would chase writers that never stop.
    """
    # ends first: asked after a seek_to_beginning, aiokafka answers only ~0.5 s later
    ends = await consumer.end_offsets(tps) if tps else {}
    consumer.assign(tps)
    await consumer.seek_to_beginning(*tps)
    targets: dict[TopicPartition, int] = {}
    out: list[Any] = []
    pending = {tp for tp in tps if ends[tp] > 0}
    while pending:
        batch = await consumer.getmany(*pending, timeout_ms=500, max_records=10_000)
        for msgs in batch.values():
            out.extend(msgs)
        for tp in list(pending):
            mark = consumer.highwater(tp)
            stable = consumer.last_stable_offset(tp)  # -1 unless read_committed
            if stable is not None and stable >= 0:
                # read_committed stops at an open transaction (a killed worker's) until it
                # is aborted: chasing the high watermark would wait out its timeout
                mark = stable
            if tp not in targets and mark is not None:
                targets[tp] = max(ends[tp], mark)
            if await consumer.position(tp) >= targets.get(tp, ends[tp]):
                pending.discard(tp)
    return out


class KafkaOffsetStore(OffsetStore):
    """A compacted topic keyed by ``[connector, partition]``."""

    def __init__(
        self,
        clients: KafkaClients,
        topic: str = "connect-offsets",
        *,
        partitions: int = 25,
        replication_factor: int = 3,
    ) -> None:
        super().__init__()
        self.clients = clients
        self.topic = topic
        self.partitions = partitions
        self.replication_factor = replication_factor
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()

    async def on_start(self) -> None:
        created = await self.clients.ensure_topic(
            self.topic,
            partitions=self.partitions,
            replication_factor=self.replication_factor,
            configs={"cleanup.policy": "compact"},
        )
        if created:
            # nobody has written to a topic made just now (a task writes its offsets after
            # its store started, and every store creates the topic before that); reading
            # it right after creation costs 0.2 s on Apache Kafka, before a first record
            self._data = {}
        else:
            await self.refresh()
        log.info("offsets loaded", topic=self.topic, keys=len(self._data))
        self._producer = self.clients.producer(acks="all", linger_ms=5)
        await self._producer.start()

    async def refresh(self) -> None:
        """Read the topic from the beginning to its end again, last value per key wins.

        In a cluster another worker may have run a task until now and written its offsets.
        """
        # read_committed: offsets written in an aborted transaction never count
        consumer = self.clients.consumer(
            enable_auto_commit=False, group_id=None, isolation_level="read_committed"
        )
        try:
            await consumer.start()
            tps = await topic_partitions(consumer, self.topic)
            records = await read_to_end(consumer, tps)
        except KafkaError as exc:
            raise translate(exc, f"cannot read offsets topic {self.topic}") from exc
        finally:
            await consumer.stop()
        data: dict[str, dict[str, Any]] = {}
        for msg in records:
            if msg.key is None:
                continue
            key = msg.key.decode()
            if msg.value is None:
                data.pop(key, None)
            else:
                data[key] = json.loads(msg.value)
        self._data = data

    async def on_stop(self) -> None:
        if self._producer:
            await self._producer.stop()

    @staticmethod
    def serialize(offsets: Mapping[str, Any]) -> list[tuple[bytes, bytes | None]]:
        """The topic records of ``offsets``: key bytes, JSON value (None deletes)."""
        return [
            (key.encode(), None if value is None else json.dumps(value).encode())
            for key, value in offsets.items()
        ]

    async def _persist(self, connector: str, offsets: Mapping[str, Any]) -> None:
        assert self._producer is not None, "store not started"
        async with self._lock:
            try:
                futures = [
                    await self._producer.send(self.topic, key=key, value=value)
                    for key, value in self.serialize(offsets)
                ]
                await asyncio.gather(*futures)
            except KafkaError as exc:
                raise translate(exc, f"cannot write offsets to {self.topic}") from exc
