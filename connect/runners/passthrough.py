"""``PassthroughBatch`` bytes written to Kafka with the runtime producer's own client.

Kafka takes one v2 batch per partition in a produce request, so the batches of one poll
go in rounds: round k holds the k-th batch of every partition, one request per leader.
A leader gets one request at a time (the next round goes once the last is answered, the
same order guarantee as a producer with one request in flight): brokers may answer
pipelined requests of one connection out of order (Tansu does), and a failed request
must not be overtaken by the next. A partition refused with a retriable error (a leader
not ready yet, a leader that moved) appended nothing: its batch alone is sent again, to
the leader then known, until the request timeout has passed; the partitions answered
in the same request are not sent twice. Any other failure fails the task: the stored
offsets never pass it, so a restart copies it again (at least once).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer
from aiokafka import TopicPartition as KafkaTP
from aiokafka.errors import KafkaError, NoError, for_code
from aiokafka.protocol.produce import ProduceRequest
from aiokafka.record.memory_records import MemoryRecords

from connect.api import PassthroughBatch, RawRecordBatch
from connect.kafka import knows_partition, knows_topics

ACKS_ALL = -1


class PassthroughSender:
    """Sends passthrough batches of one task; ``send`` returns one future per request."""

    def __init__(self, producer: AIOKafkaProducer, timeout_ms: int = 30_000) -> None:
        self.producer = producer
        self.timeout_ms = timeout_ms
        self._tail: dict[int, asyncio.Future[None]] = {}  # the last request chain per leader

    async def send(self, items: Sequence[PassthroughBatch]) -> list[asyncio.Future[None]]:
        rounds: list[dict[tuple[str, int], PassthroughBatch]] = []
        depth: dict[tuple[str, int], int] = {}
        for item in items:
            slot = (item.topic, item.partition)
            k = depth.get(slot, 0)
            depth[slot] = k + 1
            if k == len(rounds):
                rounds.append({})
            rounds[k][slot] = item
        await knows_topics(self.producer, {item.topic for item in items})
        chains: dict[int, list[list[PassthroughBatch]]] = {}
        for batches in rounds:
            by_node: dict[int, list[PassthroughBatch]] = {}
            for item in batches.values():
                by_node.setdefault(await self._leader(item.topic, item.partition), []).append(item)
            for node, group in by_node.items():
                chains.setdefault(node, []).append(group)
        futures: list[asyncio.Future[None]] = []
        for node, requests in chains.items():
            chain = asyncio.ensure_future(self._chain(node, self._tail.get(node), requests))
            self._tail[node] = chain
            futures.append(chain)
        return futures

    async def _chain(
        self,
        node: int,
        after: asyncio.Future[None] | None,
        requests: list[list[PassthroughBatch]],
    ) -> None:
        if after is not None:
            await after  # a failure there fails this chain too: nothing overtakes it
        for items in requests:
            await self._produce(node, items)

    async def _leader(self, topic: str, partition: int) -> int:
        cluster = self.producer.client.cluster
        leader = cluster.leader_for_partition(KafkaTP(topic, partition))
        if leader is None or leader < 0:
            await knows_partition(self.producer, topic, partition)
            await self.producer.client.force_metadata_update()
            leader = cluster.leader_for_partition(KafkaTP(topic, partition))
            if leader is None or leader < 0:
                raise KafkaError(f"no leader known for {topic}-{partition}")
        return int(leader)

    async def _produce(self, node: int, items: list[PassthroughBatch]) -> None:
        deadline = time.monotonic() + self.timeout_ms / 1000
        backoff = self.producer.client._retry_backoff
        refused = await self._request(node, items)
        while refused:
            first, error = refused[0]
            if not error.retriable or time.monotonic() + backoff > deadline:
                raise error(f"{first.topic}-{first.partition}")
            if getattr(error, "invalid_metadata", False):
                await self.producer.client.force_metadata_update()
            await asyncio.sleep(backoff)
            by_node: dict[int, list[PassthroughBatch]] = {}
            for item, _ in refused:
                by_node.setdefault(await self._leader(item.topic, item.partition), []).append(item)
            refused = []
            for leader, group in by_node.items():
                refused += await self._request(leader, group)

    async def _request(
        self, node: int, items: list[PassthroughBatch]
    ) -> list[tuple[PassthroughBatch, type[KafkaError]]]:
        """One produce request; the batches refused, with the error of each."""
        topics: dict[str, list[tuple[int, bytes]]] = {}
        by_slot: dict[tuple[str, int], PassthroughBatch] = {}
        for item in items:
            topics.setdefault(item.topic, []).append((item.partition, item.data))
            by_slot[(item.topic, item.partition)] = item
        request = ProduceRequest(None, ACKS_ALL, self.timeout_ms, list(topics.items()))
        response = await self.producer.client.send(node, request)
        refused = []
        for topic, partitions in response.topics:
            for info in partitions:
                partition, code, base_offset = info[0], info[1], info[2]
                item = by_slot[(topic, partition)]
                error = for_code(code)
                if error is not NoError:
                    refused.append((item, error))
                elif item.on_ack is not None:
                    item.on_ack(int(base_offset))
        return refused


def decoded(batch: PassthroughBatch) -> RawRecordBatch:
    """The records of ``batch`` for the record path (transforms, converters, transactions)."""
    records = MemoryRecords(batch.data)
    out = []
    while (inner := records.next_batch()) is not None:
        out.extend(inner)
    return RawRecordBatch(
        batch.topic, batch.partition, out, batch.source_partition, batch.source_offset
    )
