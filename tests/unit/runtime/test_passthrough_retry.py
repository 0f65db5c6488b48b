"""PassthroughSender: a partition refused with a retriable error is sent again alone."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka.errors import MessageSizeTooLargeError, NotLeaderForPartitionError

from connect.api import PassthroughBatch
from connect.runners.passthrough import PassthroughSender


class _Broker:
    """Answers produce requests from a script: per call, the error code per partition."""

    def __init__(self, script: list[dict[int, int]]) -> None:
        self.script = script
        self.sent: list[list[int]] = []  # the partitions of each request
        self.metadata_updates = 0
        self.cluster = SimpleNamespace(
            leader_for_partition=lambda tp: 1, partitions_for_topic=lambda t: {0, 1}
        )
        self._retry_backoff = 0.001

    async def send(self, node: int, request: Any) -> Any:
        codes = self.script.pop(0) if self.script else {}
        partitions = [p for _, parts in request._topics for p, _ in parts]
        self.sent.append(partitions)
        answer = [(p, codes.get(p, 0), 100 * len(self.sent) + p) for p in partitions]
        return SimpleNamespace(topics=[("t", answer)])

    async def force_metadata_update(self) -> bool:
        self.metadata_updates += 1
        return True


def _batches(acks: dict[int, int]) -> list[PassthroughBatch]:
    def on_ack(p: int) -> Any:
        return lambda offset: acks.__setitem__(p, offset)

    return [PassthroughBatch("t", p, b"x", 1, {"p": p}, on_ack=on_ack(p)) for p in (0, 1)]


async def _send(broker: _Broker, acks: dict[int, int]) -> None:
    sender = PassthroughSender(SimpleNamespace(client=broker), timeout_ms=1_000)  # type: ignore[arg-type]
    for future in await sender.send(_batches(acks)):
        await future


async def test_only_the_refused_partition_is_sent_again() -> None:
    not_leader = NotLeaderForPartitionError.errno
    broker, acks = _Broker([{1: not_leader}, {1: not_leader}]), {}
    await _send(broker, acks)
    assert broker.sent == [[0, 1], [1], [1]]  # partition 0 was appended once, not resent
    assert acks == {0: 100, 1: 301}
    assert broker.metadata_updates >= 2


async def test_a_retriable_error_past_the_timeout_fails() -> None:
    broker = _Broker([{1: NotLeaderForPartitionError.errno}] * 10_000)
    broker._retry_backoff = 0.3
    with pytest.raises(NotLeaderForPartitionError):
        await _send(broker, {})
    assert len(broker.sent) <= 5


async def test_a_final_error_fails_at_once() -> None:
    broker, acks = _Broker([{0: MessageSizeTooLargeError.errno}]), {}
    with pytest.raises(MessageSizeTooLargeError):
        await _send(broker, acks)
    assert broker.sent == [[0, 1]]
    assert acks == {1: 101}
