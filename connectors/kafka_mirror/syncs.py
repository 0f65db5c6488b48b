"""Offset syncs and checkpoints: the records that let consumers fail over.

An *offset sync* ``(topic, partition, upstream, downstream)`` says: the record at
``upstream`` of the source partition was written at ``downstream`` of the remote
partition. The source task emits one at least every ``offset.lag.max`` records per
partition. A *checkpoint* is a consumer group's committed source offset translated
through the newest sync at or before it; translated offsets are never ahead of the true
position, so a failed-over consumer re-reads a little and never skips.

Both are MirrorMaker 2's binary structs on the wire (see ``wire``), byte for byte, so
Kafka's ``RemoteClusterUtils`` reads our checkpoints and each side reads the other's syncs.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from connectors.kafka_mirror.wire import Reader, WireError, int16, int32, int64, string

CHECKPOINT_VERSION = 0


@dataclass(frozen=True, slots=True)
class OffsetSync:
    """The record at ``upstream`` in (topic, partition) sits at ``downstream`` remotely.

    Key ``(topic STRING, partition INT32)``, value ``(upstreamOffset INT64, offset INT64)``.
    """

    topic: str
    partition: int
    upstream: int
    downstream: int

    def key(self) -> bytes:
        return string(self.topic) + int32(self.partition)

    def value(self) -> bytes:
        return int64(self.upstream) + int64(self.downstream)

    @classmethod
    def parse(cls, key: bytes | None, value: bytes | None) -> OffsetSync:
        """Parse a record of the offset-syncs topic; :class:`WireError` for anything else."""
        k, v = Reader(key), Reader(value)
        topic, partition = k.string(), k.int32()
        k.end()
        upstream, downstream = v.int64(), v.int64()
        v.end()
        return cls(topic, partition, upstream, downstream)

    @classmethod
    def decode(cls, key: bytes | None, value: bytes | None) -> OffsetSync | None:
        """:meth:`parse`, with ``None`` for a record of another shape."""
        try:
            return cls.parse(key, value)
        except WireError:
            return None


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Group ``group``'s committed offset of the source (topic, partition) and its translation.

    ``topic`` is the remote (target) topic name, as MirrorMaker 2 writes it. Key
    ``(group STRING, topic STRING, partition INT32)``, value ``(version INT16 = 0,
    upstreamOffset INT64, offset INT64, metadata STRING)``.
    """

    group: str
    topic: str
    partition: int
    upstream: int
    downstream: int
    metadata: str = ""

    def key(self) -> bytes:
        return string(self.group) + string(self.topic) + int32(self.partition)

    def value(self) -> bytes:
        return (
            int16(CHECKPOINT_VERSION)
            + int64(self.upstream)
            + int64(self.downstream)
            + string(self.metadata)
        )

    @classmethod
    def parse(cls, key: bytes | None, value: bytes | None) -> Checkpoint:
        """Parse a record of a checkpoints topic; :class:`WireError` for anything else."""
        v = Reader(value)
        version = v.int16()
        if version != CHECKPOINT_VERSION:
            raise WireError(f"checkpoint version {version}, only {CHECKPOINT_VERSION} is known")
        upstream, downstream, metadata = v.int64(), v.int64(), v.string()
        v.end()
        k = Reader(key)
        group, topic, partition = k.string(), k.string(), k.int32()
        k.end()
        return cls(group, topic, partition, upstream, downstream, metadata)

    @classmethod
    def decode(cls, key: bytes | None, value: bytes | None) -> Checkpoint | None:
        """:meth:`parse`, with ``None`` for a record of another shape."""
        try:
            return cls.parse(key, value)
        except WireError:
            return None


@dataclass
class OffsetSyncStore:
    """The offset syncs read so far, per source partition, for translating group offsets.

    Syncs of a partition are kept increasing in both offsets: a sync that contradicts a
    newer one (written before a restart re-sent records) is dropped. At most
    ``max_per_partition`` are kept, the oldest dropped first.
    """

    max_per_partition: int = 4096
    _syncs: dict[tuple[str, int], list[tuple[int, int]]] = field(default_factory=dict)

    def add(self, sync: OffsetSync) -> None:
        entries = self._syncs.setdefault((sync.topic, sync.partition), [])
        while entries and (entries[-1][0] >= sync.upstream or entries[-1][1] >= sync.downstream):
            entries.pop()
        entries.append((sync.upstream, sync.downstream))
        if len(entries) > self.max_per_partition:
            del entries[: len(entries) - self.max_per_partition]

    def translate(self, topic: str, partition: int, upstream: int) -> int | None:
        """The target offset to resume from for committed source offset ``upstream``.

        ``None`` when no sync at or before ``upstream`` is known (nothing safe to say).
        """
        entries = self._syncs.get((topic, partition))
        if not entries:
            return None
        i = bisect.bisect_right(entries, (upstream, float("inf"))) - 1
        if i < 0:
            return None
        sync_up, sync_down = entries[i]
        # the record at sync_up is at sync_down; records after it come after sync_down
        return sync_down if upstream == sync_up else sync_down + 1

    def partitions(self) -> list[tuple[str, int]]:
        return list(self._syncs)


@dataclass
class _Handoff:
    base_downstream: int
    handed: int = 0
    last_upstream: int = -1
    samples: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class HandoffTracker:
    """Offset syncs without per-record acknowledgements, from quiet moments.

    At a quiet moment (every record handed out was acknowledged) the remote partition's
    end offset is known. Between two quiet moments the task handed out ``n`` records of
    a partition; if the remote end moved by exactly ``n``, nobody else wrote there and
    the k-th record landed at ``previous end + k`` — so exact syncs can be emitted for
    the records sampled every ``lag_max``. Otherwise only a safe lower bound is emitted.
    """

    lag_max: int = 100
    _parts: dict[tuple[str, int], _Handoff] = field(default_factory=dict)

    def baseline(self, topic: str, partition: int, downstream_end: int) -> None:
        """A quiet moment with nothing handed out yet for this partition."""
        self._parts[(topic, partition)] = _Handoff(downstream_end)

    def has_baseline(self, topic: str, partition: int) -> bool:
        return (topic, partition) in self._parts

    def handed(self, topic: str, partition: int, upstream: int) -> None:
        """The record at ``upstream`` was handed to the runtime (in order)."""
        h = self._parts.get((topic, partition))
        if h is None:
            return
        if self.lag_max <= 1 or h.handed % self.lag_max == 0:
            h.samples.append((upstream, h.handed))
        h.handed += 1
        h.last_upstream = upstream

    def handed_many(self, topic: str, partition: int, upstream: list[int]) -> None:
        """``handed`` for each offset of ``upstream`` (in order), without a per-record call."""
        h = self._parts.get((topic, partition))
        if h is None or not upstream:
            return
        step = max(1, self.lag_max)
        first = (-h.handed) % step
        h.samples.extend((upstream[j], h.handed + j) for j in range(first, len(upstream), step))
        h.handed += len(upstream)
        h.last_upstream = upstream[-1]

    def pending(self) -> list[tuple[str, int]]:
        """Partitions with records handed out since their last quiet moment."""
        return [tp for tp, h in self._parts.items() if h.handed]

    def quiet(
        self, topic: str, partition: int, next_upstream: int, downstream_end: int
    ) -> list[OffsetSync]:
        """Everything handed out is acknowledged and the remote end is ``downstream_end``."""
        h = self._parts.get((topic, partition))
        if h is None or not h.handed:
            return []
        syncs: list[OffsetSync]
        if downstream_end - h.base_downstream == h.handed:
            syncs = [
                OffsetSync(topic, partition, up, h.base_downstream + index)
                for up, index in h.samples
            ]
            syncs.append(OffsetSync(topic, partition, h.last_upstream, downstream_end - 1))
        else:
            # someone else wrote too (or a retry duplicated): records not yet handed
            # out land at or after the end, so (next, end - 1) never translates too far
            syncs = (
                [OffsetSync(topic, partition, next_upstream, downstream_end - 1)]
                if downstream_end >= 1
                else []
            )
        self._parts[(topic, partition)] = _Handoff(downstream_end)
        return syncs

    def forget(self, topic: str, partition: int) -> None:
        self._parts.pop((topic, partition), None)
