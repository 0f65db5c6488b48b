"""Helpers for S3 sink tests: a recording sink context, a bucket on moto's server, records."""

from __future__ import annotations

import uuid
from typing import Any

from connect.api import SinkRecord, SinkTaskContext, TopicPartition
from connectors.s3.config import S3SinkConfig
from connectors.s3.reader import read_records
from tests.fixtures.s3 import S3Server
from tests.helpers.kafka import SESSION_MS


class RecordingContext(SinkTaskContext):
    """A sink context that only records what the task asks for."""

    def __init__(self) -> None:
        self.commits_requested = 0
        self.paused: set[TopicPartition] = set()

    @property
    def connector_name(self) -> str:
        return "s3-test"

    @property
    def task_id(self) -> int:
        return 0

    def assignment(self) -> set[TopicPartition]:
        return set()

    def pause(self, *partitions: TopicPartition) -> None:
        self.paused.update(partitions)

    def resume(self, *partitions: TopicPartition) -> None:
        self.paused.difference_update(partitions)

    def request_commit(self) -> None:
        self.commits_requested += 1


class Bucket:
    """A fresh bucket on the moto server, with helpers to read it back."""

    def __init__(self, server: S3Server) -> None:
        self.server = server
        self.name = f"b-{uuid.uuid4().hex[:12]}"
        self.client = server.client()
        self.client.create_bucket(Bucket=self.name)

    def config(self, **options: Any) -> dict[str, Any]:
        return {
            "connector.class": "s3-sink",
            "topics": "t",
            "s3.bucket.name": self.name,
            "store.url": self.server.endpoint_url,
            "s3.path.style.access": True,
            "aws.access.key.id": "testing",
            "aws.secret.access.key": "testing",
            "s3.retry.backoff.ms": 10,
            # a quick group join on the test broker
            "consumer.override.session.timeout.ms": SESSION_MS,
            "consumer.override.heartbeat.interval.ms": 100,
            **options,
        }

    def object_keys(self) -> list[str]:
        out: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name):
            out.extend(obj["Key"] for obj in page.get("Contents", []))
        return sorted(out)

    def body(self, key: str) -> bytes:
        return bytes(self.client.get_object(Bucket=self.name, Key=key)["Body"].read())

    def head(self, key: str) -> dict[str, Any]:
        return dict(self.client.head_object(Bucket=self.name, Key=key))

    def records(self, key: str, config: dict[str, Any]) -> list[Any]:
        return read_records(self.body(key), key, S3SinkConfig.model_validate(config))


def rec(
    offset: int,
    value: Any = None,
    *,
    partition: int = 0,
    ts: int | None = None,
    key: Any = None,
    headers: tuple[tuple[str, bytes | None], ...] = (),
    raw_value: bytes | None = None,
    topic: str = "t",
) -> SinkRecord:
    return SinkRecord(
        topic=topic,
        partition=partition,
        offset=offset,
        key=key,
        value=value,
        headers=headers,
        timestamp=ts if ts is not None else 1_700_000_000_000 + offset,
        raw_value=raw_value,
    )


async def settled_put(task: Any, records: list[SinkRecord]) -> None:
    """``put``, then wait for the objects it closed to reach the bucket."""
    await task.put(records)
    for writer in list(task.writers.values()):
        await writer.settle()
