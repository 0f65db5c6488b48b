"""Where source positions live: memory, a file (standalone) or a compacted Kafka topic.

Keys are Kafka Connect's: JSON ``[connector, source_partition]``; values the JSON
``source_offset``; ``None`` (a tombstone) deletes.
"""

from connect.offsets.base import OffsetStore, partition_key
from connect.offsets.file import FileOffsetStore
from connect.offsets.kafka import KafkaOffsetStore
from connect.offsets.memory import MemoryOffsetStore

__all__ = [
    "FileOffsetStore",
    "KafkaOffsetStore",
    "MemoryOffsetStore",
    "OffsetStore",
    "partition_key",
]
