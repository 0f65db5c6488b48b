"""MirrorMaker 2's binary formats, against bytes written by hand from Kafka's schemas.

OffsetSync (connect-mirror), Checkpoint and Heartbeat (connect-mirror-client) are Kafka
protocol structs: STRING = INT16 length + UTF-8, integers big-endian, no field names.
"""

from __future__ import annotations

import json

import pytest
from structlog.testing import capture_logs

from connectors.kafka_mirror.heartbeat import Heartbeat
from connectors.kafka_mirror.syncs import Checkpoint, OffsetSync
from connectors.kafka_mirror.wire import ForeignRecords, WireError


def test_offset_sync_bytes() -> None:
    sync = OffsetSync("orders", 3, 120, 118)
    # key: topic STRING, partition INT32
    assert sync.key() == b"\x00\x06orders" + b"\x00\x00\x00\x03"
    # value: upstreamOffset INT64, offset INT64
    assert sync.value() == bytes.fromhex("00000000000000780000000000000076")
    assert OffsetSync.parse(sync.key(), sync.value()) == sync


def test_checkpoint_bytes() -> None:
    cp = Checkpoint("g1", "a.orders", 1, 50, 48, "m")
    # key: group STRING, topic STRING, partition INT32
    assert cp.key() == b"\x00\x02g1" + b"\x00\x08a.orders" + b"\x00\x00\x00\x01"
    # value: version INT16 = 0, upstreamOffset INT64, offset INT64, metadata STRING
    assert cp.value() == (
        b"\x00\x00"
        + bytes.fromhex("0000000000000032")
        + bytes.fromhex("0000000000000030")
        + b"\x00\x01m"
    )
    assert Checkpoint.parse(cp.key(), cp.value()) == cp


def test_heartbeat_bytes() -> None:
    beat = Heartbeat("source", "target", 1_700_000_000_000)
    # key: sourceClusterAlias STRING, targetClusterAlias STRING
    assert beat.key() == b"\x00\x06source\x00\x06target"
    # value: version INT16 = 0, timestamp INT64
    assert beat.value() == b"\x00\x00" + bytes.fromhex("0000018bcfe56800")
    assert Heartbeat.parse(beat.key(), beat.value()) == beat


def test_strings_are_utf8_with_byte_lengths() -> None:
    cp = Checkpoint("grüppe", "t", 0, 1, 1, "")
    assert cp.key().startswith(b"\x00\x07gr\xc3\xbcppe")
    assert Checkpoint.parse(cp.key(), cp.value()) == cp
    with pytest.raises(WireError, match="longer than 32767"):
        OffsetSync("x" * 40_000, 0, 0, 0).key()


def test_negative_and_large_offsets_round_trip() -> None:
    sync = OffsetSync("t", 2**31 - 1, -1, 2**63 - 1)
    assert OffsetSync.parse(sync.key(), sync.value()) == sync


_OLD_JSON = {
    "sync": (b'{"partition":0,"topic":"t"}', b'{"downstreamOffset":5,"upstreamOffset":5}'),
    "checkpoint": (
        b'{"group":"g","partition":0,"topic":"a.t"}',
        b'{"downstreamOffset":5,"metadata":"","upstreamOffset":5}',
    ),
    "heartbeat": (
        b'{"sourceClusterAlias": "a", "targetClusterAlias": "b"}',
        b'{"timestamp": 1700000000000}',
    ),
}


@pytest.mark.parametrize(
    ("kind", "decode"),
    [
        ("sync", OffsetSync.decode),
        ("checkpoint", Checkpoint.decode),
        ("heartbeat", Heartbeat.decode),
    ],
)
def test_json_of_earlier_versions_is_not_decoded(kind: str, decode: object) -> None:
    key, value = _OLD_JSON[kind]
    json.loads(key), json.loads(value)  # really the old shape
    assert decode(key, value) is None  # type: ignore[operator]


def test_other_shapes_are_refused() -> None:
    sync = OffsetSync("t", 0, 1, 2)
    cp = Checkpoint("g", "t", 0, 1, 2, "")
    beat = Heartbeat("a", "b", 3)
    assert OffsetSync.decode(sync.key() + b"\x00", sync.value()) is None  # left over
    assert OffsetSync.decode(sync.key(), sync.value()[:-1]) is None  # short
    assert OffsetSync.decode(None, sync.value()) is None  # tombstone-like
    assert OffsetSync.decode(b"\xff\xff" + b"\x00" * 4, sync.value()) is None  # negative
    assert Checkpoint.decode(cp.key(), b"\x00\x01" + cp.value()[2:]) is None  # version 1
    assert Heartbeat.decode(beat.key(), b"\x00\x01" + beat.value()[2:]) is None
    # MM2's heartbeat in the checkpoints topic, or a checkpoint key in the syncs topic
    assert Checkpoint.decode(beat.key(), beat.value()) is None
    assert OffsetSync.decode(cp.key(), cp.value()) is None
    assert Heartbeat.decode(b"\x00\x01a\x00\x01b", b"\x00\x00" + b"\xc3" * 8) is not None
    assert OffsetSync.decode(b"\x00\x02\xc3\x28\x00\x00\x00\x00", sync.value()) is None  # not UTF-8


def test_foreign_records_warn_once_per_topic() -> None:
    foreign = ForeignRecords("mm2-offset-syncs.b.internal", "offset sync")
    with capture_logs() as logs:
        for offset in range(5):
            foreign.skip(0, offset, WireError("x"))
    warnings = [e for e in logs if e["log_level"] == "warning"]
    assert len(warnings) == 1
    assert warnings[0]["topic"] == "mm2-offset-syncs.b.internal"
    assert warnings[0]["offset"] == 0
    assert "docs/mirror.md" in warnings[0]["hint"]
    assert foreign.skipped == 5
