"""Object keys: ``<topics.dir>/<topic>/<encoded partition>/<topic>+<partition>+<offset>.<ext>``.

The key is a pure function of the topic, the Kafka partition, the offset of the file's
first record and the encoded partition, so a replay from the committed offset writes
the same keys again. ``parse_key`` reads them back for ``s3 verify``.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# object metadata (x-amz-meta-*) written with every object
META_TOPIC = "kafka-topic"
META_PARTITION = "kafka-partition"
META_START = "kafka-start-offset"
META_BASE = "kafka-base-offset"  # first offset of the rotation group the object belongs to
META_END = "kafka-end-offset"  # only on objects uploaded in one request
META_COUNT = "kafka-record-count"  # idem

_FILENAME = re.compile(r"^(?P<topic>.+)\+(?P<partition>\d+)\+(?P<offset>\d+)\.(?P<ext>[^+/]+)$")


def object_key(
    prefix: str,
    topic: str,
    encoded_partition: str,
    partition: int,
    start_offset: int,
    extension: str,
    *,
    include_topic: bool = True,
    pad: int = 10,
) -> str:
    """The key of the object whose first record is ``topic``/``partition`` at ``start_offset``."""
    directory = f"{topic}/{encoded_partition}" if include_topic else encoded_partition
    return f"{prefix}{directory}/{topic}+{partition}+{start_offset:0{pad}d}.{extension}"


class ParsedKey(NamedTuple):
    """What a key says about its object."""

    topic: str
    partition: int
    start_offset: int
    extension: str


def parse_key(key: str) -> ParsedKey | None:
    """The topic, partition, first offset and extension in ``key``; ``None`` if not ours."""
    match = _FILENAME.match(key.rsplit("/", 1)[-1])
    if not match:
        return None
    return ParsedKey(match["topic"], int(match["partition"]), int(match["offset"]), match["ext"])
