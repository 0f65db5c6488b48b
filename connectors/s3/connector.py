"""The ``s3-sink`` connector: Kafka topics archived into S3 / OBS / MinIO objects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel

from connect.api import SinkConnector, SinkTask
from connectors.s3.config import S3SinkConfig
from connectors.s3.task import S3SinkTask

# Confluent spellings accepted for the same option
RENAMED = {
    "s3.path.style.access.enabled": "s3.path.style.access",
    "s3.endpoint": "store.url",
    "aws.secret.access.key.id": "aws.secret.access.key",
}


class S3SinkConnector(SinkConnector):
    """Archives Kafka topics into an S3-compatible object store, each record exactly once.

    Object keys are ``<topics.dir>/<topic>/<encoded partition>/<topic>+<partition>+<start
    offset>.<ext>``; offsets are committed only after their objects are complete, and a
    restart rewrites the same keys. See docs/s3.md for every option.
    """

    config_model: ClassVar[type[BaseModel]] = S3SinkConfig
    version: ClassVar[str] = "0.1.0"
    aliases: ClassVar[tuple[str, ...]] = (
        "s3-sink",
        "S3SinkConnector",
        "io.confluent.connect.s3.S3SinkConnector",
    )

    @classmethod
    def normalize(cls, config: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(config)
        for old, new in RENAMED.items():
            if old in out and new not in out:
                out[new] = out.pop(old)
        return out

    def task_class(self) -> type[SinkTask]:
        return S3SinkTask

    def task_configs(self, max_tasks: int) -> list[dict[str, Any]]:
        # Kafka partitions are spread over the tasks by the consumer group.
        return [dict(self.config) for _ in range(max(1, max_tasks))]
