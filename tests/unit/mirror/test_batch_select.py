"""Which fetched batches pass through undecoded, and the exact offset syncs from acks."""

from __future__ import annotations

from aiokafka import TopicPartition as KafkaTP
from aiokafka.record.default_records import DefaultRecordBatch, DefaultRecordBatchBuilder

from connect.api import PassthroughBatch, RawRecordBatch
from connectors.kafka_mirror.batches import split
from connectors.kafka_mirror.passthrough import ExactSyncs, Fetched, select
from connectors.kafka_mirror.syncs import OffsetSync

TP = KafkaTP("t", 0)


def batch(
    base: int, count: int, codec: int = 0, deltas: list[int] | None = None, ts: int = 1000
) -> bytes:
    b = DefaultRecordBatchBuilder(2, codec, False, -1, -1, -1, 10**6)
    for i, delta in enumerate(deltas or range(count)):
        b.append(delta, timestamp=ts + i, key=b"k%d" % (base + delta), value=b"v", headers=[])
    data = bytearray(b.build())
    data[0:8] = base.to_bytes(8, "big")
    return bytes(data)


def choose(
    data: bytes, position: int, codec: str | None = None, coalesce_bytes: int = 0
) -> tuple[list[object], int]:
    out = select(
        Fetched(TP, data, None),
        position,
        remote="a.t",
        source_partition={"partition": 0},
        codec=codec,
        read_committed=False,
        on_ack=lambda _h: None,
        coalesce_bytes=coalesce_bytes,
    )
    return out.items, out.position


def test_whole_batches_pass_and_the_position_moves_past_them() -> None:
    items, position = choose(batch(0, 5) + batch(5, 3), 0)
    assert [type(i) for i in items] == [PassthroughBatch, PassthroughBatch]
    assert [i.record_count for i in items if isinstance(i, PassthroughBatch)] == [5, 3]
    assert [i.source_offset for i in items] == [{"offset": 5}, {"offset": 8}]
    assert position == 8


def test_a_batch_holding_the_position_is_cut_on_the_record_path() -> None:
    items, position = choose(batch(0, 5) + batch(5, 3), 2)
    first = items[0]
    assert isinstance(first, RawRecordBatch)
    assert [r.key for r in first.records] == [b"k2", b"k3", b"k4"]
    assert isinstance(items[1], PassthroughBatch) and position == 8


def test_already_copied_batches_are_skipped() -> None:
    items, position = choose(batch(0, 5) + batch(5, 3), 5)
    assert len(items) == 1 and isinstance(items[0], PassthroughBatch) and position == 8


def test_gaps_and_other_codecs_take_the_record_path() -> None:
    compacted = batch(0, 3, deltas=[0, 2, 4])  # offsets 0, 2, 4: the target would pack them
    gzip = batch(5, 2, codec=1)
    items, position = choose(compacted + gzip, 0, codec="none")
    assert [type(i) for i in items] == [RawRecordBatch, RawRecordBatch]
    assert position == 7
    items, _ = choose(compacted + gzip, 0, codec=None)  # unset: any codec passes
    assert [type(i) for i in items] == [RawRecordBatch, PassthroughBatch]


def test_small_plain_batches_are_joined_up_to_the_limit() -> None:
    small = [batch(0, 3), batch(3, 3), batch(6, 3)]
    one = len(small[0]) - 61  # the records of a batch, without its header
    # a joined batch allows 3 more bytes a record for the rewritten deltas
    items, position = choose(b"".join(small), 0, coalesce_bytes=61 + 2 * one + 3 * 3)
    passed = [i for i in items if isinstance(i, PassthroughBatch)]
    assert [i.record_count for i in passed] == [6, 3] and position == 9
    assert [i.source_offset for i in passed] == [{"offset": 6}, {"offset": 9}]
    assert passed[1].data[8:] == small[2][8:]  # alone: the batch as it came
    records = [r for i in passed for r in DefaultRecordBatch(i.data)]
    assert [r.key for r in records] == [b"k%d" % n for n in range(9)]


def test_a_joined_batch_that_outgrew_the_limit_is_split_again() -> None:
    # 35 years between the batches: each timestamp delta of the second takes 6 bytes, not 1
    first, second = batch(0, 4), batch(4, 4, ts=1000 + 2**40)
    limit = len(first) + len(second) - 61 + 3 * 4
    items, _ = choose(first + second, 0, coalesce_bytes=limit)
    assert [i.data[8:] for i in items if isinstance(i, PassthroughBatch)] == [
        first[8:],
        second[8:],
    ]


def test_compressed_and_cut_off_batches_are_not_joined() -> None:
    gzip = batch(3, 2, codec=1)
    data = batch(0, 3) + gzip + batch(5, 2) + batch(8, 1)  # a gap before 8
    items, _ = choose(data, 0, coalesce_bytes=10**6)
    assert [i.record_count for i in items if isinstance(i, PassthroughBatch)] == [3, 2, 2, 1]
    items, _ = choose(batch(0, 3) + batch(3, 2), 1, coalesce_bytes=10**6)
    assert [type(i) for i in items] == [RawRecordBatch, PassthroughBatch]


def test_exact_syncs_every_lag_max_and_the_newest_at_commit() -> None:
    syncs = ExactSyncs(lag_max=10)
    heads = list(split(batch(0, 4) + batch(4, 4) + batch(8, 4) + batch(12, 4)))
    for h, downstream in zip(heads, (100, 104, 108, 112), strict=True):
        syncs.acked(TP, h, downstream)
    assert syncs.take() == [
        OffsetSync("t", 0, 0, 100),
        OffsetSync("t", 0, 10, 110),  # lag_max on, inside the third batch
        OffsetSync("t", 0, 15, 115),  # the newest acknowledged record
    ]
    assert syncs.take() == []


def test_a_joined_batch_gets_a_sync_every_lag_max_inside_it() -> None:
    syncs = ExactSyncs(lag_max=10)
    (joined,) = split(batch(0, 45))
    syncs.acked(TP, joined, 1000)
    got = [(s.upstream, s.downstream) for s in syncs.take()]
    assert got == [(0, 1000), (10, 1010), (20, 1020), (30, 1030), (40, 1040), (44, 1044)]
