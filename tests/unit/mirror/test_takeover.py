"""MM2's source positions in Kafka Connect's offset JSON, as the takeover reads them."""

from __future__ import annotations

import pytest

from connectors.kafka_mirror.takeover import parse_position
from connectors.kafka_mirror.wire import WireError

KEY = b'["MirrorSourceConnector",{"cluster":"a","partition":2,"topic":"orders"}]'


def test_mm2_stores_the_last_copied_offset_so_we_resume_after_it() -> None:
    assert parse_position(KEY, b'{"offset":41}', "MirrorSourceConnector", "a") == (
        ("orders", 2),
        42,
    )


def test_tombstones_and_negative_offsets_are_no_position() -> None:
    assert parse_position(KEY, None, "MirrorSourceConnector", "a") == (("orders", 2), None)
    assert parse_position(KEY, b'{"offset":-1}', "MirrorSourceConnector", "a") == (
        ("orders", 2),
        None,
    )


def test_other_connectors_and_clusters_are_not_ours() -> None:
    assert parse_position(KEY, b'{"offset":1}', "MirrorSourceConnector", "b") is None
    checkpoint_key = b'["MirrorCheckpointConnector",{"group":"g","partition":0,"topic":"t"}]'
    assert parse_position(checkpoint_key, b"{}", "MirrorSourceConnector", "a") is None


@pytest.mark.parametrize("key", [b"\x00\x01a\x00\x01b", b'{"a":1}', b"[1]", None])
def test_records_of_another_shape_are_refused(key: bytes | None) -> None:
    with pytest.raises(WireError):
        parse_position(key, b'{"offset":1}', "MirrorSourceConnector", "a")
