"""The dead-letter queue of a sink task: failed records with their error context."""

from __future__ import annotations

import asyncio
import traceback

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from connect.api import SinkRecord
from connect.errors.operator import Failure, class_name
from connect.kafka import translate

PREFIX = "__connect.errors."

Headers = list[tuple[str, bytes]]


def context_headers(
    record: SinkRecord, failure: Failure, *, connector: str, task_id: int
) -> Headers:
    """Kafka Connect's ``__connect.errors.*`` headers describing where and why."""
    exc = failure.error
    context = {
        "topic": record.topic,
        "partition": str(record.partition),
        "offset": str(record.offset),
        "connector.name": connector,
        "task.id": str(task_id),
        "stage": failure.stage.value,
        "class.name": failure.class_name,
        "exception.class.name": class_name(exc),
        "exception.message": str(exc),
        "exception.stacktrace": "".join(traceback.format_exception(exc)),
    }
    return [(PREFIX + k, v.encode()) for k, v in context.items()]


class DeadLetterQueue:
    """Writes the original record (raw key, value, headers) to ``topic``.

    Sends are collected; ``flush`` awaits their acks, and the sink runner calls it
    before committing any offset past a dead-lettered record.
    """

    def __init__(
        self,
        producer: AIOKafkaProducer,
        topic: str,
        *,
        connector: str,
        task_id: int,
        context_headers: bool,
    ) -> None:
        self.producer = producer
        self.topic = topic
        self.connector = connector
        self.task_id = task_id
        self.context_headers = context_headers
        self._pending: list[asyncio.Future[object]] = []

    async def send(self, record: SinkRecord, failure: Failure) -> None:
        # aiokafka writes a None header value as empty, so say so explicitly
        headers: Headers = [(k, v if v is not None else b"") for k, v in record.headers]
        if self.context_headers:
            headers += context_headers(
                record, failure, connector=self.connector, task_id=self.task_id
            )
        try:
            future = await self.producer.send(
                self.topic,
                key=record.raw_key,
                value=record.raw_value,
                headers=headers,
                timestamp_ms=record.timestamp,
            )
        except KafkaError as exc:
            raise translate(exc, f"cannot write to the dead-letter queue {self.topic}") from exc
        self._pending.append(future)

    @property
    def pending(self) -> int:
        """Records sent but not yet known to be acknowledged."""
        return len(self._pending)

    async def flush(self) -> None:
        """Wait until every dead-lettered record is acknowledged (raises if one is not)."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        try:
            await asyncio.gather(*pending)
        except KafkaError as exc:
            raise translate(exc, f"the dead-letter queue {self.topic} did not ack") from exc
