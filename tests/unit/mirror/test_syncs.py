"""Offset syncs: when they are emitted and how offsets translate (wire format: test_wire)."""

from __future__ import annotations

from connectors.kafka_mirror.assignment import owner
from connectors.kafka_mirror.syncs import (
    HandoffTracker,
    OffsetSync,
    OffsetSyncStore,
)


def test_translation_is_never_ahead_and_bounded() -> None:
    lag = 100
    tracker, store = HandoffTracker(lag_max=lag), OffsetSyncStore()
    offset_shift = 37  # the target partition already held 37 records
    tracker.baseline("t", 0, offset_shift)
    for start in range(0, 1000, 64):  # handed out poll by poll
        tracker.handed_many("t", 0, list(range(start, min(start + 64, 1000))))
    for sync in tracker.quiet("t", 0, 1000, 1000 + offset_shift):
        store.add(sync)
    for committed in range(1, 1001):
        translated = store.translate("t", 0, committed)
        assert translated is not None
        true_position = committed + offset_shift
        assert translated <= true_position
        assert true_position - translated <= lag


def test_translation_before_any_sync_is_unknown() -> None:
    store = OffsetSyncStore()
    assert store.translate("t", 0, 5) is None
    store.add(OffsetSync("t", 0, 10, 3))
    assert store.translate("t", 0, 5) is None
    assert store.translate("t", 0, 10) == 3
    assert store.translate("t", 0, 11) == 4


def test_store_drops_syncs_contradicted_by_a_replay() -> None:
    store = OffsetSyncStore()
    store.add(OffsetSync("t", 0, 0, 0))
    store.add(OffsetSync("t", 0, 100, 100))
    store.add(OffsetSync("t", 0, 200, 200))
    # the task restarted from upstream 150: records 150.. were written again from 230
    store.add(OffsetSync("t", 0, 150, 230))
    assert store.translate("t", 0, 210) == 231
    assert store.translate("t", 0, 120) == 101


def test_store_is_bounded() -> None:
    store = OffsetSyncStore(max_per_partition=3)
    for u in range(10):
        store.add(OffsetSync("t", 0, u * 10, u * 10))
    assert store.translate("t", 0, 55) is None
    assert store.translate("t", 0, 95) == 91


def test_assignment_is_stable_and_spreads_a_topic() -> None:
    owners = [owner("orders", p, 3) for p in range(6)]
    assert sorted(owners) == [0, 0, 1, 1, 2, 2]
    assert owner("orders", 4, 3) == owners[4]
    assert owner("x", 0, 1) == 0


def test_handoff_gives_exact_syncs_when_only_we_wrote() -> None:
    tracker = HandoffTracker(lag_max=10)
    tracker.baseline("t", 0, 500)  # the remote partition already held 500 records
    for u in range(1000, 1035):
        tracker.handed("t", 0, u)
    syncs = tracker.quiet("t", 0, 1035, 535)
    assert [(s.upstream, s.downstream) for s in syncs] == [
        (1000, 500),
        (1010, 510),
        (1020, 520),
        (1030, 530),
        (1034, 534),
    ]
    assert tracker.pending() == []


def test_handoff_falls_back_to_a_lower_bound_when_counts_differ() -> None:
    tracker = HandoffTracker(lag_max=10)
    tracker.baseline("t", 0, 0)
    for u in range(20):
        tracker.handed("t", 0, u)
    # 25 records arrived: another writer (or a retry) added some
    assert tracker.quiet("t", 0, 20, 25) == [OffsetSync("t", 0, 20, 24)]
    store = OffsetSyncStore()
    store.add(OffsetSync("t", 0, 20, 24))
    assert store.translate("t", 0, 21) == 25  # next record lands at >= 25


def test_handoff_ignores_partitions_without_a_baseline() -> None:
    tracker = HandoffTracker()
    tracker.handed("t", 0, 1)
    assert tracker.pending() == [] and tracker.quiet("t", 0, 2, 1) == []


def test_handed_many_matches_record_by_record() -> None:
    one, many = HandoffTracker(lag_max=7), HandoffTracker(lag_max=7)
    for t in (one, many):
        t.baseline("t", 0, 10)
    offsets = [o for o in range(100) if o % 5 != 3]  # gaps, as after compaction
    for o in offsets:
        one.handed("t", 0, o)
    many.handed_many("t", 0, offsets[:13])
    many.handed_many("t", 0, offsets[13:])
    end = 10 + len(offsets)
    assert one.quiet("t", 0, 100, end) == many.quiet("t", 0, 100, end)
