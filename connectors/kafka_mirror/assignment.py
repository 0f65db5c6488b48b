"""Which task mirrors which source partition: a stable hash, no coordination needed.

``owns`` depends only on the topic, the partition and the task count, so every task
can list the topics by itself and a new topic or partition has exactly one owner.
Partitions of one topic go round-robin from a per-topic starting task, which spreads
a topic evenly over the tasks.
"""

from __future__ import annotations

import zlib


def owner(topic: str, partition: int, task_count: int) -> int:
    """The task index that mirrors ``topic``-``partition``."""
    if task_count <= 1:
        return 0
    return (zlib.crc32(topic.encode()) + partition) % task_count


def owns(topic: str, partition: int, task_id: int, task_count: int) -> bool:
    return owner(topic, partition, task_count) == task_id
