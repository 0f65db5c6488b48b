"""The dead-letter queue of a sink task: failed records with their error context."""

from __future__ import annotations

import asyncio
import traceback

from aiokafka import AIOKafkaProducer

from connect.api import SinkRecord
from connect.errors.stage import Stage

PREFIX = "__connect.errors."


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

    async def send(self, record: SinkRecord, stage: Stage, exc: BaseException) -> None:
        headers = [(k, v if v is not None else b"") for k, v in record.headers]
        if self.context_headers:
            context = {
                "topic": record.topic,
                "partition": str(record.partition),
                "offset": str(record.offset),
                "connector.name": self.connector,
                "task.id": str(self.task_id),
                "stage": stage.value,
                "class.name": type(exc).__module__ + "." + type(exc).__qualname__,
                "exception.class.name": type(exc).__qualname__,
                "exception.message": str(exc),
                "exception.stacktrace": "".join(traceback.format_exception(exc)),
            }
            headers += [(PREFIX + k, v.encode()) for k, v in context.items()]
        future = await self.producer.send(
            self.topic,
            key=record.raw_key,
            value=record.raw_value,
            headers=headers,
            timestamp_ms=record.timestamp,
        )
        self._pending.append(future)

    async def flush(self) -> None:
        """Wait until every dead-lettered record is acknowledged."""
        pending, self._pending = self._pending, []
        if pending:
            await asyncio.gather(*pending)
