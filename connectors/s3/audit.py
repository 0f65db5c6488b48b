"""The archive audit behind ``smart-connect s3 verify``: per Kafka partition, which offsets
the bucket covers, where it has gaps or overlaps, and how that compares with the
committed offset of the sink's consumer group.

Objects of one partition form rotation groups (objects completed together; their
metadata names the group's first offset). A group starting at ``base`` holding ``n``
records covers ``[base, base + n)``. Consecutive groups must meet exactly; the last
must end at the committed offset. Groups starting at or after the committed offset are
*uncommitted*: left by a crash, they are rewritten with the same keys when the sink
resumes, so they are reported but are not errors.

Offsets a topic skips (transaction markers, compaction) show up as gaps: the audit
assumes consecutive offsets.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ObjectInfo:
    """One archived object as the audit sees it."""

    key: str
    topic: str
    partition: int
    start_offset: int
    base_offset: int
    count: int


@dataclass
class PartitionReport:
    """The audit of one topic-partition."""

    topic: str
    partition: int
    objects: int = 0
    records: int = 0
    first_offset: int | None = None
    end_offset: int | None = None  # offset after the last archived record
    committed: int | None = None
    gaps: list[tuple[int, int]] = field(default_factory=list)  # inclusive ranges
    overlaps: list[tuple[int, int]] = field(default_factory=list)
    uncommitted: list[str] = field(default_factory=list)  # keys at/after the commit point
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.gaps and not self.overlaps

    def to_json(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "partition": self.partition,
            "objects": self.objects,
            "records": self.records,
            "first_offset": self.first_offset,
            "end_offset": self.end_offset,
            "committed": self.committed,
            "gaps": [list(g) for g in self.gaps],
            "overlaps": [list(o) for o in self.overlaps],
            "uncommitted_objects": len(self.uncommitted),
            "notes": self.notes,
            "ok": self.ok,
        }


def audit_partition(
    topic: str, partition: int, objects: list[ObjectInfo], committed: int | None
) -> PartitionReport:
    """Gaps, overlaps and the commit comparison for one partition's objects."""
    report = PartitionReport(topic, partition, committed=committed)
    report.objects = len(objects)
    report.records = sum(o.count for o in objects)
    groups: dict[int, list[ObjectInfo]] = defaultdict(list)
    for obj in objects:
        groups[obj.base_offset].append(obj)

    starts: dict[int, str] = {}
    for obj in sorted(objects, key=lambda o: o.start_offset):
        if obj.start_offset in starts:
            report.overlaps.append((obj.start_offset, obj.start_offset))
            report.notes.append(f"{starts[obj.start_offset]} and {obj.key} both start there")
        starts[obj.start_offset] = obj.key

    end: int | None = None
    for base in sorted(groups):
        members = groups[base]
        group_end = base + sum(o.count for o in members)
        for obj in members:
            if not base <= obj.start_offset < group_end:
                report.notes.append(f"{obj.key} starts outside its group [{base}, {group_end})")
                report.overlaps.append((obj.start_offset, obj.start_offset))
        if committed is not None and base >= committed:
            report.uncommitted.extend(o.key for o in members)
        if end is None:
            report.first_offset = base
        elif base > end:
            report.gaps.append((end, base - 1))
        elif base < end:
            report.overlaps.append((base, min(end, group_end) - 1))
        end = group_end if end is None else max(end, group_end)
    report.end_offset = end

    committed_end = _committed_end(groups, committed)
    if committed is None:
        if objects:
            report.notes.append("no committed offset for this partition")
    elif committed_end is None:
        if committed > 0:
            report.notes.append(f"committed offset {committed} but no objects before it")
    elif committed_end < committed:
        report.gaps.append((committed_end, committed - 1))
    elif committed_end > committed:
        report.notes.append(
            f"the commit point {committed} falls inside an object group (ends {committed_end})"
        )
    return report


def _committed_end(groups: dict[int, list[ObjectInfo]], committed: int | None) -> int | None:
    """The end of the last group that starts before the committed offset."""
    ends = [
        base + sum(o.count for o in members)
        for base, members in groups.items()
        if committed is None or base < committed
    ]
    return max(ends) if ends else None


def audit(
    objects: list[ObjectInfo], committed: dict[tuple[str, int], int | None]
) -> list[PartitionReport]:
    """Reports for every partition that has objects or a committed offset."""
    by_tp: dict[tuple[str, int], list[ObjectInfo]] = defaultdict(list)
    for obj in objects:
        by_tp[(obj.topic, obj.partition)].append(obj)
    tps = sorted(set(by_tp) | set(committed))
    return [audit_partition(t, p, by_tp.get((t, p), []), committed.get((t, p))) for t, p in tps]
