"""The mirror task's offset syncs on their way out, and the target ends they are cut at.

Syncs are best effort: a lost one only makes offset translation coarser, so a failed
write is a warning and the copy goes on.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import structlog
from aiokafka import TopicPartition as KafkaTP
from aiokafka.errors import KafkaError
from aiokafka.partitioner import DefaultPartitioner

from connectors.kafka_mirror.clients import Cluster
from connectors.kafka_mirror.syncs import OffsetSync

log = structlog.get_logger(__name__)


class OffsetSyncWriter:
    """A producer for the offset-syncs topic and a consumer of the target's end offsets."""

    def __init__(self, side: Cluster, target: Cluster, topic: str) -> None:
        self.topic = topic
        # big batches: a checkpoint after a large copy writes thousands of syncs at once
        self._producer = side.producer(linger_ms=50, acks="all", max_batch_size=512 * 1024)
        self._consumer = target.consumer(
            enable_auto_commit=False, max_partition_fetch_bytes=1024, fetch_max_wait_ms=10
        )
        self._sends: set[asyncio.Future[Any]] = set()
        self._partitioner = DefaultPartitioner()

    async def start(self) -> None:
        await self._producer.start()
        await self._consumer.start()

    async def stop(self) -> None:
        """Wait for the syncs sent, then close both clients (best effort)."""
        if self._sends:
            await asyncio.gather(*self._sends, return_exceptions=True)
        for client in (self._consumer, self._producer):
            try:
                await client.stop()
            except Exception as exc:  # closing is best effort
                log.debug("close failed", error=repr(exc))

    async def ends(self, partitions: list[KafkaTP]) -> dict[KafkaTP, int]:
        """True end offsets of target ``partitions``; those not learned in 2 s are left out.

        Read from a fetch's high watermark, which every broker reports exactly (some
        answer ListOffsets(latest) with a batch boundary instead).
        """
        consumer = self._consumer
        try:
            # aiokafka's end_offsets learns unknown topics one per metadata round trip:
            # 500 new remote topics took longer than its 40 s timeout. Ask for all at once.
            client = consumer._client
            unknown = {
                tp.topic for tp in partitions if client.cluster.leader_for_partition(tp) is None
            }
            await asyncio.gather(*(client.add_topic(t) for t in unknown))
            approx = await consumer.end_offsets(partitions)
            # an end of 0 is exact (no batch at all); others are checked with a fetch
            out: dict[KafkaTP, int] = {tp: 0 for tp, end in approx.items() if end == 0}
            fetch = [tp for tp, end in approx.items() if end > 0]
            consumer.assign(fetch)
            for tp in fetch:
                consumer.seek(tp, approx[tp] - 1)
            deadline = time.monotonic() + 2.0
            while fetch and len(out) < len(partitions) and time.monotonic() < deadline:
                await consumer.getmany(timeout_ms=100, max_records=1)
                for tp in fetch:
                    hw = consumer.highwater(tp)
                    if hw is not None and tp not in out:
                        out[tp] = hw
            return out
        except KafkaError as exc:
            log.warning("cannot read target end offsets", error=repr(exc))
            return {}

    async def write(self, syncs: list[OffsetSync]) -> None:
        """Append ``syncs`` to producer batches and send them, without awaiting the acks.

        A checkpoint can yield thousands of syncs: one ``send()`` task each would have
        them all wait on the same full batch and wake together (quadratic).
        """
        if not syncs:
            return
        try:
            await self._write_batches(syncs)
        except KafkaError as exc:
            log.warning("offset syncs not written", error=repr(exc))

    async def _write_batches(self, syncs: list[OffsetSync]) -> None:
        producer = self._producer
        partitions = sorted(await producer.partitions_for(self.topic))
        batches: dict[int, Any] = {}
        for sync in syncs:
            key, value = sync.key(), sync.value()
            partition = self._partitioner(key, partitions, partitions)
            batch = batches.get(partition)
            if batch is None:
                batch = batches[partition] = producer.create_batch()
            if batch.append(key=key, value=value, timestamp=None) is None:
                await self._send_batch(batch, partition)
                batch = batches[partition] = producer.create_batch()
                batch.append(key=key, value=value, timestamp=None)
        for partition, batch in batches.items():
            await self._send_batch(batch, partition)

    async def _send_batch(self, batch: Any, partition: int) -> None:
        future = await self._producer.send_batch(batch, self.topic, partition=partition)
        self._sends.add(future)
        future.add_done_callback(self._sent)

    def _sent(self, future: asyncio.Future[Any]) -> None:
        self._sends.discard(future)
        if not future.cancelled() and future.exception() is not None:
            log.warning("offset sync not written", error=repr(future.exception()))
