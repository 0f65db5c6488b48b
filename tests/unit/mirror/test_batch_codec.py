"""Record batch bytes: split, rewrite the producer fields, filter aborted transactions."""

from __future__ import annotations

from typing import Any

from aiokafka.record.default_records import DefaultRecordBatch, DefaultRecordBatchBuilder
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.kafka_mirror.batches import (
    BatchHeader,
    aborted_filter,
    coalescable,
    coalesce,
    rewrite,
    split,
)

CODEC_IDS = (0, 1, 2, 3, 4)  # none gzip snappy lz4 zstd

record_st = st.tuples(
    st.none() | st.binary(max_size=40),
    st.none() | st.binary(max_size=200),
    st.integers(min_value=0, max_value=2**41),
    st.lists(st.tuples(st.text(max_size=8), st.none() | st.binary(max_size=16)), max_size=3),
)


def build(
    records: list[tuple[Any, ...]],
    codec: int = 0,
    producer: tuple[int, int, int] = (-1, -1, -1),
    transactional: bool = False,
    base_offset: int = 0,
) -> bytes:
    builder = DefaultRecordBatchBuilder(
        magic=2,
        compression_type=codec,
        is_transactional=transactional,
        producer_id=producer[0],
        producer_epoch=producer[1],
        base_sequence=producer[2],
        batch_size=10_000_000,
    )
    for i, (key, value, ts, headers) in enumerate(records):
        assert builder.append(i, timestamp=ts, key=key, value=value, headers=headers)
    data = bytearray(builder.build())
    data[0:8] = base_offset.to_bytes(8, "big", signed=True)
    return bytes(data)


def parsed(data: bytes) -> list[tuple[Any, ...]]:
    batch = DefaultRecordBatch(data)
    assert batch.validate_crc()
    return [
        (r.offset - batch.base_offset, r.key, r.value, r.timestamp, list(r.headers)) for r in batch
    ]


@settings(max_examples=150, deadline=None)
@given(
    records=st.lists(record_st, min_size=1, max_size=20),
    codec=st.sampled_from(CODEC_IDS),
    producer=st.tuples(
        st.integers(-1, 2**40), st.integers(-1, 2**15 - 1), st.integers(-1, 2**31 - 1)
    )
    | st.tuples(st.just(-1), st.just(-1), st.integers(-1, 5)),
    transactional=st.booleans(),
    target=st.sampled_from([(-1, -1, -1), (7, 3, 0)]),
    target_txn=st.booleans(),
    base_offset=st.integers(0, 2**40),
)
def test_rewritten_batch_parses_to_the_same_records(
    records: list[tuple[Any, ...]],
    codec: int,
    producer: tuple[int, int, int],
    transactional: bool,
    target: tuple[int, int, int],
    target_txn: bool,
    base_offset: int,
) -> None:
    data = build(records, codec, producer, transactional, base_offset=base_offset)
    out = rewrite(data, target, target_txn)
    assert parsed(out) == parsed(data)
    batch = DefaultRecordBatch(out)
    # no producer either way, nothing else changed: the batch stays as it is
    kept = target == (-1, -1, -1) and producer[:2] == (-1, -1) and transactional == target_txn
    expected = producer if kept else target
    assert (batch.producer_id, batch.producer_epoch, batch.base_sequence) == expected
    assert batch.is_transactional == target_txn
    assert batch.compression_type == codec
    (header,) = split(out)
    assert (header.producer_id, header.producer_epoch, header.base_sequence) == expected
    assert header.record_count == len(records) and header.dense
    assert out[:8] == bytes(8)  # base offset 0, as Kafka wants in a produce request
    if (producer == target or kept) and transactional == target_txn:
        assert out[8:] == data[8:]  # nothing covered changed: the same bytes, CRC untouched
    else:
        assert out[8:17] == data[8:17] and out[61:] == data[61:]  # only the header moved


def test_unchanged_batch_keeps_its_crc_bytes() -> None:
    data = build([(b"k", b"v", 1, [])], base_offset=77)
    assert rewrite(data)[8:] == data[8:]


def test_split_finds_every_complete_batch_and_drops_a_cut_one() -> None:
    a = build([(b"a", b"1", 1, [])] * 3, base_offset=10)
    b = build([(b"b", b"2", 2, [])] * 2, codec=1, base_offset=13)
    c = build([(b"c", b"3", 3, [])], base_offset=15)
    heads = list(split(a + b + c[:-5]))
    assert [(h.base_offset, h.record_count, h.codec) for h in heads] == [
        (10, 3, "none"),
        (13, 2, "gzip"),
    ]
    assert heads[1].start == len(a) and heads[1].size == len(b)
    assert heads[1].next_offset == 15


def header(base: int, pid: int, txn: bool = True, control: bool = False) -> BatchHeader:
    attrs = (0x10 if txn else 0) | (0x20 if control else 0)
    return BatchHeader(0, 61, base, 2, 0, attrs, 0, 0, 0, pid, 0, 0, 1)


def test_aborted_transactions_and_markers_are_dropped() -> None:
    batches = [
        header(0, 1),  # committed txn of producer 1
        header(1, 2),  # aborted txn of producer 2
        header(2, 1, control=True),  # commit marker of 1
        header(3, 2, control=True),  # abort marker of 2
        header(4, 2),  # producer 2's next txn: not aborted
        header(5, 9, txn=False),  # plain batch
    ]
    kept = aborted_filter(batches, [(2, 1)])
    assert [b.base_offset for b in kept] == [0, 4, 5]
    # read_uncommitted: no list, only the markers go
    assert [b.base_offset for b in aborted_filter(batches, None)] == [0, 1, 4, 5]


@settings(max_examples=150, deadline=None)
@given(
    batches=st.lists(st.lists(record_st, min_size=1, max_size=12), min_size=1, max_size=6),
    base_offset=st.integers(0, 2**40),
)
def test_coalesced_batches_parse_to_the_same_records(
    batches: list[list[tuple[Any, ...]]], base_offset: int
) -> None:
    data, offset = b"", base_offset
    for records in batches:
        data += build(records, base_offset=offset)
        offset += len(records)
    view = memoryview(data)
    heads = list(split(data))
    assert all(coalescable(h) for h in heads)
    joined, out = coalesce([(h, view[h.start : h.start + h.size]) for h in heads])
    expected = [r for h in heads for r in parsed(bytes(view[h.start : h.start + h.size]))]
    # every record once, in order, offsets 0..n-1, key, value, timestamp, headers as they were
    assert parsed(out) == [(i, *r[1:]) for i, r in enumerate(expected)]
    batch = DefaultRecordBatch(out)
    assert (batch.producer_id, batch.producer_epoch, batch.base_sequence) == (-1, -1, -1)
    assert batch.max_timestamp == max(r[3] for r in expected)
    (back,) = split(out)
    assert back.dense and back.size == len(out) == joined.size
    assert (joined.base_offset, joined.next_offset, joined.record_count) == (
        base_offset,
        offset,
        len(expected),
    )


def test_only_plain_data_batches_are_coalescable() -> None:
    records = [(b"k", b"v", 5, [])] * 2
    assert coalescable(next(split(build(records))))
    assert not coalescable(next(split(build(records, codec=1))))  # compressed
    log_append = bytearray(build(records))
    log_append[22] |= 0x08  # LogAppendTime: the records' timestamps are the broker's
    assert not coalescable(next(split(bytes(log_append))))
    control = header(0, 1, control=True)
    assert not coalescable(control)
