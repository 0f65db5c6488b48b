"""The ``s3-source`` options: the sink's names for the archive, plus what to restore."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from connect.api import CommaList
from connectors.s3.config import MB, S3StoreConfig
from connectors.s3.partitioners import to_millis

TOPIC_PLACEHOLDER = "${topic}"


class S3SourceConfig(S3StoreConfig):
    """Options of the ``s3-source`` connector (task-JSON keys are the aliases)."""

    topics: CommaList = Field(
        default_factory=list,
        description="Archived topics to restore (default: every topic under topics.dir)",
    )
    topic_rename_format: str = Field(TOPIC_PLACEHOLDER, alias="topic.rename.format")
    start_time: int | None = Field(None, alias="restore.start.time")
    end_time: int | None = Field(None, alias="restore.end.time")
    restore_partition: Literal["original", "hash"] = Field("original", alias="restore.partition")
    poll_interval_ms: int = Field(0, ge=0, alias="s3.poll.interval.ms")
    buffer_bytes: int = Field(16 * MB, ge=64 * 1024, alias="s3.source.buffer.bytes")
    batch_records: int = Field(10_000, ge=1, alias="s3.source.batch.records")
    retry_max_backoff_ms: int = Field(30_000, ge=1, alias="s3.retry.max.backoff.ms")
    # set by the connector for each task: which share of the partitions it restores
    task_index: int = Field(0, ge=0, alias="s3.source.task.index")
    task_count: int = Field(1, ge=1, alias="s3.source.task.count")

    @field_validator("start_time", "end_time", mode="before")
    @classmethod
    def _millis(cls, value: Any) -> int | None:
        if value is None or value == "":
            return None
        try:
            return to_millis(value)
        except ValueError as exc:
            raise ValueError(
                f"expected ISO-8601 (2024-05-01T00:00:00Z) or epoch milliseconds ({exc})"
            ) from None

    @field_validator("topic_rename_format")
    @classmethod
    def _rename(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty; ${topic} stands for the archived topic")
        return value

    @model_validator(mode="after")
    def _range(self) -> S3SourceConfig:
        if (
            self.start_time is not None
            and self.end_time is not None
            and self.start_time >= self.end_time
        ):
            raise ValueError("restore.start.time must be before restore.end.time")
        if (self.start_time is not None or self.end_time is not None) and not self.envelope:
            raise ValueError(
                "restore.start.time/restore.end.time need store.envelope=true: plain formats "
                "keep no record timestamps"
            )
        return self

    def target_topic(self, topic: str) -> str:
        """The topic records archived from ``topic`` are restored into."""
        return self.topic_rename_format.replace(TOPIC_PLACEHOLDER, topic)

    def in_range(self, timestamp: int | None) -> bool:
        """Whether a record with this timestamp is restored (start inclusive, end exclusive)."""
        if self.start_time is None and self.end_time is None:
            return True
        if timestamp is None:
            return False
        if self.start_time is not None and timestamp < self.start_time:
            return False
        return self.end_time is None or timestamp < self.end_time

    def owns(self, topic: str, partition: int) -> bool:
        """Whether this task restores ``topic``-``partition``."""
        import zlib

        return (zlib.crc32(topic.encode()) + partition) % self.task_count == self.task_index
