"""Restoring one archived partition: its objects merged back into offset order.

The objects of a partition are opened in start-offset order; an object is opened as
soon as its start offset is at or below the smallest offset waiting in the objects
already open (so the time and field partitioners' interleaved objects merge correctly,
and with the default layout one object is open at a time). The record with the smallest
offset goes next, checked against the offset expected after the last one:

- below it: an *overlap* (an object rewritten after a replay holds it again): skipped;
- above it: a *gap* (offsets no object holds): reported, then restoring goes on.

The position (the source offset) is ``{"object": key, "index": n, "offset": next}``:
the first object not fully read, how many of its records were taken, and the Kafka
offset after the last record taken. Resuming skips the objects before ``object`` and
``n`` records of it; ``offset`` drops what other open objects had already given.

Reading and decoding are apart: ``prepare`` does what blocks (listing, GETs, reading the
objects' bytes ahead, up to the batch's bytes) and the task runs it in a thread;
``take(io=False)`` only decodes what was read (the task runs it on the event loop, so the
loop and a decoding thread never take turns on the GIL) and stops where it would have to
read (``blocked``). ``take()`` does both, for callers that may block.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from typing import IO, Any

import structlog

from connectors.s3 import layout
from connectors.s3.envelope import Archived
from connectors.s3.listing import ArchiveObject
from connectors.s3.reader import Part, iter_archived_parts
from connectors.s3.source_config import S3SourceConfig

log = structlog.get_logger(__name__)

Fetch = Callable[[ArchiveObject], IO[bytes]]


class _Reader:
    """An open object: its records a list at a time, the next one (``head``) and how many
    were taken. Parts read ahead (``load``, blocking) wait in ``ready`` until decoded."""

    def __init__(self, obj: ArchiveObject, parts: Iterator[Part]) -> None:
        self.obj = obj
        self.parts = parts
        self.ready: deque[Part] = deque()
        self.ready_bytes = 0
        self.ended = False  # every part is read
        self.index = 0
        self.buf: list[Archived] = []
        self.pos = 0
        self.each = 0  # bytes (estimated) a record of ``buf`` takes
        self.head: Archived | None = None
        self.refill(io=True)

    def load(self, limit: int) -> None:
        """Read parts (blocking) until ``limit`` bytes wait to be decoded (at least one
        part) or the object ends."""
        ready = self.ready
        while not self.ended and (not ready or self.ready_bytes < limit):
            part = next(self.parts, None)
            if part is None:
                self.ended = True
                return
            ready.append(part)
            self.ready_bytes += part[0]

    def refill(self, io: bool) -> bool:
        """``buf`` is taken: decode the next part read (with ``io``, read it first); False
        when it is not read yet (``head`` stays None, the reader is ``starved``)."""
        ready = self.ready
        while True:
            while ready:
                size, decode = ready.popleft()
                self.ready_bytes -= size
                buf = decode()
                if buf:
                    self.buf, self.pos, self.each, self.head = buf, 0, size // len(buf) + 1, buf[0]
                    return True
            self.buf, self.pos, self.head = [], 0, None
            if self.ended:
                return True
            if not io:
                return False
            self.load(1)

    @property
    def starved(self) -> bool:
        """Records are left, but none is read yet."""
        return self.head is None and not self.ended

    def take(self, io: bool = True) -> Archived:
        record = self.head
        assert record is not None
        self.index += 1
        self.pos += 1
        if self.pos < len(self.buf):
            self.head = self.buf[self.pos]
        else:
            self.refill(io)
        return record

    def take_run(self, run: list[Archived], io: bool) -> None:
        """``run``, the records from ``head`` on, is taken."""
        self.index += len(run)
        self.pos += len(run)
        if self.pos < len(self.buf):
            self.head = self.buf[self.pos]
        else:
            self.refill(io)


@dataclass
class Progress:
    """What a partition's restore has seen so far."""

    restored: int = 0
    objects: int = 0
    out_of_range: int = 0
    overlap_records: int = 0
    first_offset: int | None = None
    gaps: list[tuple[int, int]] = field(default_factory=list)  # inclusive offset ranges
    overlaps: list[tuple[str, int, int]] = field(default_factory=list)  # key, first, last


class PartitionRestore:
    """Merges the objects of one archived partition and hands out records in offset order."""

    def __init__(
        self,
        topic: str,
        partition: int,
        config: S3SourceConfig,
        fetch: Fetch,
        objects: Iterator[ArchiveObject],
        position: Mapping[str, Any] | None = None,
    ) -> None:
        self.topic = topic
        self.partition = partition
        self.config = config
        self.fetch = fetch
        self.progress = Progress()
        self._objects = objects
        self._listing_failed: BaseException | None = None
        self._listing_ended = False
        self.blocked = False  # the last take(io=False) stopped where a read is due
        self.taken_bytes = 0  # bytes (estimated) the records of the last take hold
        self._next_object: ArchiveObject | None = None
        self._readers: list[_Reader] = []
        self.last_key: str | None = None  # the last object opened
        self.next_offset: int | None = None
        self._skip_before: tuple[int, str] | None = None
        self._skip_records = 0
        self._skip_object: str | None = None
        if position:
            self._resume(position)

    def _resume(self, position: Mapping[str, Any]) -> None:
        key = str(position.get("object") or "")
        offset = position.get("offset")
        self.next_offset = None if offset is None else int(offset)
        parsed = layout.parse_key(key) if key else None
        if parsed is None:
            return
        self.last_key = key
        self._skip_before = (parsed.start_offset, key)
        index = int(position.get("index", 0))
        if index < 0:  # the object was read whole
            self._skip_object = key
        else:
            self._skip_records = index

    # ------------------------------------------------------------ objects

    def extend(self, objects: Iterator[ArchiveObject]) -> None:
        """More objects (``s3.poll.interval.ms``): those after the last one opened count."""
        self._objects = objects
        self._listing_failed = None
        self._listing_ended = False
        if self.last_key is not None:
            parsed = layout.parse_key(self.last_key)
            if parsed is not None:
                self._skip_before = max(
                    self._skip_before or (0, ""), (parsed.start_offset, self.last_key)
                )
                self._skip_object = self.last_key

    def _peek(self) -> ArchiveObject | None:
        # a listing generator that raised is finished: without this, S3 going down
        # mid-listing would look like the end of the partition and its rest be skipped
        if self._listing_failed is not None:
            raise self._listing_failed
        while self._next_object is None:
            try:
                obj = next(self._objects, None)
            except Exception as exc:
                self._listing_failed = exc
                raise
            if obj is None:
                self._listing_ended = True
                return None
            if self._skip_before is not None and (obj.start_offset, obj.key) < self._skip_before:
                continue
            if obj.key == self._skip_object:
                continue
            self._next_object = obj
        return self._next_object

    def _upcoming(self, io: bool) -> ArchiveObject | bool | None:
        """The next object listed; False when knowing it needs a listing call and not ``io``."""
        if self._next_object is not None:
            return self._next_object
        if io:
            return self._peek()
        if self._listing_ended and self._listing_failed is None:
            return None
        return False

    def _low(self) -> int | None:
        heads = [r.head.offset for r in self._readers if r.head is not None]
        return min(heads) if heads else None

    def _fill(self, io: bool = True) -> bool:
        """Open every object that may hold the next record; False when one is due but
        opening it (or listing) needs I/O and not ``io``."""
        while True:
            obj = self._upcoming(io)
            if not isinstance(obj, ArchiveObject):
                return obj is None
            low = self._low()
            if low is not None and obj.start_offset > low:
                return True
            if not io:
                return False
            self._next_object = None
            reader = _Reader(
                obj, iter_archived_parts(self.fetch(obj), obj.key, _parsed(obj), self.config)
            )
            self.last_key = obj.key
            self.progress.objects += 1
            if obj.key == (self._skip_before or (0, ""))[1] and self._skip_records:
                for _ in range(self._skip_records):
                    if reader.head is None:
                        break
                    reader.take()
                self._skip_records = 0
            if reader.head is not None:
                self._readers.append(reader)

    def prepare(self, max_bytes: int) -> None:
        """Do what blocks for the next ``take(io=False)``: read the open objects ahead (up
        to about ``max_bytes`` in all), list the next object and open the objects due (an
        object opened is read, and its first part decoded, here)."""
        self._load(max_bytes)
        if any(r.head is None for r in self._readers):
            # the next record of a reader whose part is not decoded yet may be the lowest:
            # objects are opened when take (decoding it) finds one due
            self._peek()
            return
        self._fill()
        self._load(max_bytes)

    def _load(self, max_bytes: int) -> None:
        readers = self._readers
        for reader in list(readers):
            limit = max_bytes // len(readers)
            if reader.ready_bytes < limit:
                reader.load(limit)
            if reader.head is None and reader.ended and not reader.ready:
                readers.remove(reader)

    @property
    def open_objects(self) -> int:
        return len(self._readers)

    # ------------------------------------------------------------ records

    def take(self, max_records: int, max_bytes: int, io: bool = True) -> list[Archived]:
        """Up to ``max_records`` records (about ``max_bytes``) in offset order; ``[]`` when
        every listed object is read. Without ``io`` only what ``prepare`` read is decoded:
        the records stop where a read is due, and ``blocked`` says so."""
        self.blocked = False
        out: list[Archived] = []
        size = 0
        progress, config = self.progress, self.config
        in_range = config.in_range
        ranged = config.start_time is not None or config.end_time is not None
        readers = self._readers
        for reader in list(readers):
            if reader.head is None and reader.refill(io) and reader.head is None:
                readers.remove(reader)
        while len(out) < max_records and size < max_bytes:
            if any(r.head is None for r in readers):  # a reader waits for a read
                self.blocked = True
                break
            if len(readers) == 1:  # the usual case: one object open, take from it
                reader = readers[0]
                head = reader.head.offset  # type: ignore[union-attr]
                upcoming = self._upcoming(io)
                if upcoming is False:
                    self.blocked = True
                    break
                if isinstance(upcoming, ArchiveObject) and upcoming.start_offset <= head:
                    if not self._fill(io):
                        self.blocked = True
                        break
                    reader = min(readers, key=_head_order)
                elif self.next_offset is None or head == self.next_offset:
                    # a run of consecutive offsets before the next object's first: taken
                    # whole, checked once
                    n = min(
                        len(reader.buf) - reader.pos,
                        max_records - len(out),
                        (max_bytes - size) // reader.each + 1,
                    )
                    if isinstance(upcoming, ArchiveObject):
                        n = min(n, upcoming.start_offset - head)
                    run = reader.buf[reader.pos : reader.pos + n]
                    if list(map(_offset, run)) == list(range(head, head + n)):
                        each = reader.each
                        reader.take_run(run, io)
                        if reader.head is None and reader.ended:
                            readers.remove(reader)
                        if progress.first_offset is None:
                            progress.first_offset = head
                        self.next_offset = head + n
                        if ranged:
                            kept = [r for r in run if in_range(r.timestamp)]
                            progress.out_of_range += n - len(kept)
                            run = kept
                        progress.restored += len(run)
                        out += run
                        size += len(run) * each
                        continue
            else:
                if not self._fill(io):
                    self.blocked = True
                    break
                if not readers:
                    break
                reader = min(readers, key=_head_order)
            each = reader.each
            record = reader.take(io)
            if reader.head is None and reader.ended:
                readers.remove(reader)
            offset = record.offset
            expected = self.next_offset
            if expected is not None and offset < expected:
                self._overlap(reader.obj.key, offset)
                continue
            if expected is not None and offset > expected:
                progress.gaps.append((expected, offset - 1))
                log.warning(
                    "s3 source: gap in the archive",
                    topic=self.topic,
                    partition=self.partition,
                    missing=f"{expected}..{offset - 1}",
                )
            if progress.first_offset is None:
                progress.first_offset = offset
            self.next_offset = offset + 1
            if ranged and not in_range(record.timestamp):
                progress.out_of_range += 1
                continue
            progress.restored += 1
            out.append(record)
            size += each
        self.taken_bytes = size
        return out

    def _overlap(self, key: str, offset: int) -> None:
        self.progress.overlap_records += 1
        overlaps = self.progress.overlaps
        if overlaps and overlaps[-1][0] == key and overlaps[-1][2] == offset - 1:
            overlaps[-1] = (key, overlaps[-1][1], offset)
        else:
            overlaps.append((key, offset, offset))

    @property
    def done(self) -> bool:
        """Every listed object is read."""
        return not self._readers and self._peek() is None

    @property
    def finished(self) -> bool:
        """``done``, known without a listing call."""
        return (
            not self._readers
            and self._next_object is None
            and self._listing_ended
            and self._listing_failed is None
        )

    def position(self) -> dict[str, Any]:
        """The source offset after the records taken so far."""
        if self._readers:
            first = min(self._readers, key=lambda r: (r.obj.start_offset, r.obj.key))
            return {"object": first.obj.key, "index": first.index, "offset": self.next_offset}
        return {"object": self.last_key, "index": -1, "offset": self.next_offset}


_offset = itemgetter(2)  # Archived.offset


def _head_order(reader: _Reader) -> tuple[int, int, str]:
    assert reader.head is not None
    return reader.head.offset, reader.obj.start_offset, reader.obj.key


def _parsed(obj: ArchiveObject) -> layout.ParsedKey:
    parsed = layout.parse_key(obj.key)
    assert parsed is not None
    return parsed
