"""Batch pass-through: fetch record batches as bytes and hand them on undecoded.

The task's aiokafka consumer still resolves start positions (stored offset, earliest,
latest) but its partitions stay paused; fetches are aiokafka ``FetchRequest``s sent
through the consumer's client, and the record-set bytes of each partition are split
into batches (``batches``). A batch goes on as a ``PassthroughBatch`` when it is magic
v2, has no offset gaps, starts at or after the position and, when ``compression.type`` is
set, uses that codec (unset: batches keep the codec they have); any other goes the
record path (decoded, as a ``RawRecordBatch``). Runs of consecutive uncompressed batches
are joined into one (``batches.coalesce``): Kafka takes one batch per partition in a
produce request.
Control batches are never copied; under read_committed neither are aborted ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiokafka import TopicPartition as KafkaTP
from aiokafka.errors import NoError, OffsetOutOfRangeError, for_code
from aiokafka.protocol.fetch import FetchRequest
from aiokafka.record.memory_records import MemoryRecords

from connect.api import PassthroughBatch, RawRecordBatch
from connectors.kafka_mirror.batches import (
    HEADER_SIZE,
    BatchHeader,
    aborted_filter,
    coalescable,
    coalesce,
    rewrite,
    split,
)
from connectors.kafka_mirror.syncs import OffsetSync

READ_COMMITTED = 1


@dataclass
class Fetched:
    """One partition's answer: record-set bytes and the aborted-transaction list."""

    tp: KafkaTP
    data: bytes
    aborted: list[tuple[int, int]] | None


class RawFetcher:
    """Fetch requests for a set of positions, one per partition leader."""

    def __init__(
        self,
        client: Any,
        *,
        read_committed: bool,
        max_wait_ms: int,
        max_bytes: int,
        partition_max_bytes: int,
    ) -> None:
        self.client = client
        self.isolation = READ_COMMITTED if read_committed else 0
        self.max_wait_ms = max_wait_ms
        self.max_bytes = max_bytes
        self.partition_max_bytes = partition_max_bytes

    async def fetch(self, positions: Mapping[KafkaTP, int]) -> tuple[list[Fetched], list[KafkaTP]]:
        """Data per partition, and the partitions whose position is out of range."""
        by_node: dict[int, dict[str, list[tuple[int, int, int]]]] = {}
        cluster = self.client.cluster
        for tp, position in positions.items():
            leader = cluster.leader_for_partition(tp)
            if leader is None or leader < 0:
                self.client.force_metadata_update()
                continue
            by_node.setdefault(leader, {}).setdefault(tp.topic, []).append(
                (tp.partition, position, self.partition_max_bytes)
            )
        if not by_node:
            await asyncio.sleep(self.max_wait_ms / 1000)
            return [], []
        requests = [
            self.client.send(
                node,
                FetchRequest(
                    self.max_wait_ms, 1, self.max_bytes, self.isolation, list(topics.items())
                ),
            )
            for node, topics in by_node.items()
        ]
        responses = await asyncio.gather(*requests)
        out: list[Fetched] = []
        out_of_range: list[KafkaTP] = []
        for response in responses:
            version = response.API_VERSION
            for topic, partitions in response.topics:
                for partition, code, _highwater, *rest in partitions:
                    tp = KafkaTP(topic, partition)
                    error = for_code(code)
                    if error is OffsetOutOfRangeError:
                        out_of_range.append(tp)
                        continue
                    if error is not NoError:
                        if getattr(error, "invalid_metadata", False) or error.retriable:
                            self.client.force_metadata_update()
                            continue
                        raise error(f"fetch of {topic}-{partition}")
                    # v4..v10: [lso, (log start,) aborted, records]; v11+: [lso, log start,
                    # aborted, preferred replica, records]
                    aborted = rest[2] if version >= 11 else rest[-2] if version >= 4 else None
                    out.append(Fetched(tp, rest[-1] or b"", aborted))
        return out, out_of_range


def records_of(chunk: bytes | memoryview, position: int) -> list[Any]:
    """The decoded records of one batch (any magic) at or after ``position``."""
    records = MemoryRecords(bytes(chunk))
    out: list[Any] = []
    while (batch := records.next_batch()) is not None:
        out.extend(r for r in batch if r.offset >= position)
    return out


@dataclass
class Selection:
    """What one partition's fetched bytes become."""

    items: list[PassthroughBatch | RawRecordBatch] = field(default_factory=list)
    position: int = 0
    passed: int = 0  # records handed on undecoded
    decoded: int = 0  # records that took the record path
    headers: list[BatchHeader] = field(default_factory=list)  # of the passed batches


def _joined_size(h: BatchHeader) -> int:
    """What ``h`` adds to a joined batch: its records, whose new offset and timestamp
    deltas may take a byte or two more each."""
    return h.size - HEADER_SIZE + 3 * h.record_count


def select(
    fetched: Fetched,
    position: int,
    *,
    remote: str,
    source_partition: Mapping[str, Any],
    codec: str | None,
    read_committed: bool,
    on_ack: Callable[[BatchHeader], Callable[[int], None] | None],
    coalesce_bytes: int = 0,
) -> Selection:
    """Split ``fetched`` into pass-through batches and record-path ones, in order.

    ``codec`` is the codec a passed batch must have; ``None`` passes any. Runs of
    consecutive small uncompressed batches are joined into batches of up to
    ``coalesce_bytes`` (0: never), each batch otherwise going on as it came.
    """
    out = Selection(position=position)
    heads = list(split(fetched.data))
    if not heads:
        return out
    view = memoryview(fetched.data)
    partition = fetched.tp.partition
    run: list[tuple[BatchHeader, memoryview]] = []
    run_bytes = 0

    def pass_on(chunks: list[tuple[BatchHeader, memoryview]]) -> None:
        if len(chunks) == 1:
            header, data = chunks[0][0], rewrite(chunks[0][1])
        else:
            header, data = coalesce(chunks)
            if len(data) > coalesce_bytes:  # deltas grew more than allowed for: halve it
                half = len(chunks) // 2
                pass_on(chunks[:half])
                pass_on(chunks[half:])
                return
        after = {"offset": header.next_offset}
        out.items.append(
            PassthroughBatch(
                remote,
                partition,
                data,
                header.record_count,
                source_partition,
                after,
                on_ack(header),
            )
        )

    def pass_run() -> None:
        nonlocal run_bytes
        if run:
            pass_on(run)
        run.clear()
        run_bytes = 0

    for h in aborted_filter(heads, fetched.aborted if read_committed else None):
        if h.next_offset <= out.position:
            continue  # already copied (a fetch starts at the batch holding the position)
        chunk = view[h.start : h.start + h.size]
        if (
            h.magic == 2
            and h.dense
            and h.base_offset >= out.position
            and (codec is None or h.codec == codec)
        ):
            joins = coalesce_bytes > 0 and coalescable(h)
            if run and not (
                joins
                and h.base_offset == run[-1][0].next_offset
                and run_bytes + _joined_size(h) <= coalesce_bytes
            ):
                pass_run()
            run.append((h, chunk))
            run_bytes += h.size if len(run) == 1 else _joined_size(h)
            if not joins:
                pass_run()
            out.passed += h.record_count
            out.headers.append(h)
        else:
            pass_run()
            records = records_of(chunk, out.position)
            after = {"offset": h.next_offset}
            out.items.append(RawRecordBatch(remote, partition, records, source_partition, after))
            out.decoded += len(records)
        out.position = h.next_offset
    pass_run()
    end = heads[-1].next_offset
    if end > out.position:
        # control or aborted batches at the end: store the position past them too
        out.items.append(RawRecordBatch(remote, partition, [], source_partition, {"offset": end}))
        out.position = end
    return out


@dataclass
class ExactSyncs:
    """Offset syncs from produce acks: the first record of a batch sits at its base offset.

    One sync every ``lag_max`` source offsets per partition, and the newest
    acknowledged record of each partition at every commit.
    """

    lag_max: int = 100
    _emitted: dict[KafkaTP, int] = field(default_factory=dict)  # upstream of the last sync
    _latest: dict[KafkaTP, tuple[int, int]] = field(default_factory=dict)
    _syncs: list[OffsetSync] = field(default_factory=list)

    def acked(self, tp: KafkaTP, header: BatchHeader, downstream: int) -> None:
        # a passed batch has no gaps: its record at base + i is at downstream + i, so a
        # sync may name any of them (a joined batch can hold thousands of records)
        base, last = header.base_offset, self._emitted.get(tp)
        upstream = base if last is None or base - last >= self.lag_max else last + self.lag_max
        while upstream <= header.last_offset:
            self._syncs.append(
                OffsetSync(tp.topic, tp.partition, upstream, downstream + upstream - base)
            )
            self._emitted[tp] = upstream
            upstream += self.lag_max
        self._latest[tp] = (header.last_offset, downstream + header.record_count - 1)

    def take(self) -> list[OffsetSync]:
        """The syncs to write now (after a checkpoint)."""
        syncs, self._syncs = self._syncs, []
        for tp, (upstream, downstream) in self._latest.items():
            if self._emitted.get(tp) != upstream:
                syncs.append(OffsetSync(tp.topic, tp.partition, upstream, downstream))
                self._emitted[tp] = upstream
        self._latest = {}
        return syncs

    def forget(self, tp: KafkaTP) -> None:
        self._emitted.pop(tp, None)
        self._latest.pop(tp, None)
