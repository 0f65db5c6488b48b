"""Run the S3 sink task directly against moto's S3 server (no broker needed)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from connect.api import TopicPartition
from connectors.s3.task import S3SinkTask
from tests.fixtures.s3 import S3Server
from tests.unit.s3.support import Bucket, RecordingContext


@pytest.fixture
def bucket(s3_server: S3Server) -> Bucket:
    return Bucket(s3_server)


StartTask = Callable[..., Awaitable[S3SinkTask]]


@pytest.fixture
async def start_task(bucket: Bucket) -> AsyncIterator[StartTask]:
    tasks: list[S3SinkTask] = []

    async def start(**options: Any) -> S3SinkTask:
        task = S3SinkTask()
        task.initialize(RecordingContext())
        await task.start(bucket.config(**options))
        await task.open([TopicPartition("t", 0), TopicPartition("t", 1)])
        tasks.append(task)
        return task

    yield start
    for task in tasks:
        await task.stop()
