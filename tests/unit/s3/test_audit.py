from __future__ import annotations

from connectors.s3.audit import ObjectInfo, audit, audit_partition
from connectors.s3.layout import object_key, parse_key


def obj(start: int, count: int, base: int | None = None, path: str = "p") -> ObjectInfo:
    return ObjectInfo(
        f"{path}/t+0+{start:010d}.json", "t", 0, start, start if base is None else base, count
    )


def test_contiguous_objects_matching_the_commit() -> None:
    report = audit_partition("t", 0, [obj(0, 10), obj(10, 5), obj(15, 5)], committed=20)
    assert report.ok and report.first_offset == 0 and report.end_offset == 20
    assert report.records == 20 and not report.notes


def test_gap_between_groups_and_before_the_commit() -> None:
    report = audit_partition("t", 0, [obj(0, 10), obj(12, 3)], committed=20)
    assert report.gaps == [(10, 11), (15, 19)]
    assert not report.ok


def test_overlap_when_an_object_was_cut_differently() -> None:
    # a replay with other boundaries left an old object behind
    report = audit_partition("t", 0, [obj(0, 10), obj(5, 10)], committed=15)
    assert report.overlaps == [(5, 9)]


def test_interleaved_group_of_a_field_partitioner() -> None:
    group = [obj(0, 3, 0, "k=a"), obj(1, 2, 0, "k=b"), obj(5, 4, 5, "k=a"), obj(6, 1, 5, "k=b")]
    report = audit_partition("t", 0, group, committed=10)
    assert report.ok and report.end_offset == 10


def test_same_start_twice_is_an_overlap() -> None:
    report = audit_partition("t", 0, [obj(0, 2, 0, "x"), obj(0, 2, 0, "y")], committed=4)
    assert report.overlaps


def test_uncommitted_tail_is_reported_not_failed() -> None:
    report = audit_partition("t", 0, [obj(0, 10), obj(10, 10)], committed=10)
    assert report.ok and len(report.uncommitted) == 1


def test_committed_without_objects_and_objects_without_commit() -> None:
    reports = audit([obj(0, 1)], {("t", 0): None, ("t", 1): None})
    assert [r.partition for r in reports] == [0, 1]
    assert reports[0].notes == ["no committed offset for this partition"]


def test_keys_round_trip() -> None:
    key = object_key("topics/", "a+b.c", "partition=3", 3, 42, "json.gz")
    assert key == "topics/a+b.c/partition=3/a+b.c+3+0000000042.json.gz"
    parsed = parse_key(key)
    assert parsed is not None
    assert (parsed.topic, parsed.partition, parsed.start_offset, parsed.extension) == (
        "a+b.c",
        3,
        42,
        "json.gz",
    )
    assert parse_key("topics/.smart-connect-write-check") is None
    assert object_key("", "t", "2024/01/02", 0, 7, "txt", include_topic=False, pad=4) == (
        "2024/01/02/t+0+0007.txt"
    )
