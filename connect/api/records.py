"""Records that flow between Kafka and connectors: frozen, cheap dataclasses."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple, Self

Header = tuple[str, bytes | None]
"""A record header: a name and its raw value (``None`` for a null header)."""


class TopicPartition(NamedTuple):
    """A Kafka topic partition."""

    topic: str
    partition: int


@dataclass(frozen=True, slots=True)
class ConnectRecord:
    """Fields shared by source and sink records; what transforms and predicates see.

    ``key``/``value`` hold converted values (bytes, str, dict, list, numbers or None);
    ``key_schema``/``value_schema`` hold a Kafka Connect JSON schema when the converter
    carries one (``schemas.enable``), else ``None``. ``timestamp`` is milliseconds since
    the epoch or ``None``.
    """

    topic: str
    key: Any = None
    value: Any = None
    headers: tuple[Header, ...] = ()
    timestamp: int | None = None
    key_schema: Mapping[str, Any] | None = None
    value_schema: Mapping[str, Any] | None = None

    def with_(self, **changes: Any) -> Self:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def header(self, name: str) -> bytes | None:
        """The last value of header ``name``, or ``None``."""
        for k, v in reversed(self.headers):
            if k == name:
                return v
        return None


@dataclass(frozen=True, slots=True)
class SourceRecord(ConnectRecord):
    """A record produced by a source task.

    ``source_partition`` names the stream it comes from (e.g. ``{"filename": ...}``);
    ``source_offset`` is the position *after* this record in that stream. The runtime
    stores ``source_offset`` once Kafka acknowledged this record and all before it.
    ``partition`` pins the Kafka partition; ``None`` lets the producer choose.
    """

    source_partition: Mapping[str, Any] = field(default_factory=dict)
    source_offset: Mapping[str, Any] | None = None
    partition: int | None = None


@dataclass(frozen=True, slots=True)
class SinkRecord(ConnectRecord):
    """A record consumed from Kafka and handed to a sink task."""

    partition: int = 0
    offset: int = 0
    raw_key: bytes | None = None
    raw_value: bytes | None = None

    @property
    def topic_partition(self) -> TopicPartition:
        """The topic partition this record was read from."""
        return TopicPartition(self.topic, self.partition)


@dataclass(frozen=True, slots=True)
class RawRecordBatch:
    """Records already in bytes for ONE Kafka topic partition, from a source task.

    ``records`` holds objects with attributes ``key``, ``value`` (bytes or ``None``),
    ``timestamp`` (ms or ``None``) and ``headers`` (a sequence of ``(str, bytes | None)``);
    aiokafka's ``ConsumerRecord`` qualifies, so a task can hand over the lists it read
    without copying them. ``source_offset`` is the position *after* the last record in
    ``source_partition`` (stored once Kafka acknowledged them all); it may advance past
    records the task chose not to pass on, and ``records`` may then be empty.

    When the task's ``key.converter`` and ``value.converter`` are both ``bytes`` and it has
    no transforms, the runtime appends the records to its producer batches as they are.
    Otherwise it expands them into ``SourceRecord``s (same semantics, slower), so
    transforms and other converters still apply.
    """

    topic: str
    partition: int
    records: Sequence[Any]
    source_partition: Mapping[str, Any]
    source_offset: Mapping[str, Any] | None = None

    def source_records(self) -> list[SourceRecord]:
        """The same records as ``SourceRecord``s; only the last carries ``source_offset``."""
        out = [
            SourceRecord(
                self.topic,
                r.key,
                r.value,
                tuple(r.headers or ()),
                r.timestamp,
                source_partition=self.source_partition,
                partition=self.partition,
            )
            for r in self.records
        ]
        if out:
            out[-1] = out[-1].with_(source_offset=self.source_offset)
        return out


@dataclass(frozen=True, slots=True)
class PassthroughBatch:
    """ONE Kafka record batch (magic v2) in its wire bytes, for ONE topic partition.

    The runtime writes ``data`` to (``topic``, ``partition``) as it is, in a produce
    request of its own, without decoding the records. The task has already rewritten
    what the target needs (producer id, epoch, base sequence: none, i.e. ``-1``).
    ``record_count`` records are in it; ``source_offset`` is stored once the target
    acknowledged it. ``on_ack`` is called with the target offset of the batch's first
    record before the runtime calls the task's ``commit()``.

    Without bytes converters on both sides, with transforms or in exactly-once mode,
    the runtime decodes the batch and sends its records as a ``RawRecordBatch``.
    """

    topic: str
    partition: int
    data: bytes
    record_count: int
    source_partition: Mapping[str, Any]
    source_offset: Mapping[str, Any] | None = None
    on_ack: Callable[[int], None] | None = None
