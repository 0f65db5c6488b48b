"""The ``s3-source`` connector: restores what the ``s3-sink`` archived back into Kafka."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel

from connect.api import SourceConnector, SourceTask
from connectors.s3.connector import RENAMED
from connectors.s3.source_config import S3SourceConfig
from connectors.s3.source_task import S3SourceTask


class S3SourceConnector(SourceConnector):
    """Restores archived topics from S3 / OBS / MinIO, record for record.

    Reads the sink's layout and formats (same keys: ``s3.bucket.name``, ``topics.dir``,
    ``format.class``, ``partitioner.class`` …) and produces every record back with its
    key, value, headers and timestamp, into its original partition and in offset order.
    The source offset is (object key, record index). Converters default to ``bytes``:
    pair them with the sink's (see docs/s3.md).
    """

    config_model: ClassVar[type[BaseModel]] = S3SourceConfig
    version: ClassVar[str] = "0.1.0"
    aliases: ClassVar[tuple[str, ...]] = ("s3-source", "S3SourceConnector")

    @classmethod
    def normalize(cls, config: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(config)
        for old, new in RENAMED.items():
            if old in out and new not in out:
                out[new] = out.pop(old)
        # restored bytes are the archived bytes: no conversion unless asked for
        out.setdefault("key.converter", "bytes")
        out.setdefault("value.converter", "bytes")
        return out

    def task_class(self) -> type[SourceTask]:
        return S3SourceTask

    def task_configs(self, max_tasks: int) -> list[dict[str, Any]]:
        # each task lists the archive itself and keeps the partitions hashed to it
        count = max(1, max_tasks)
        return [
            {**self.config, "s3.source.task.index": i, "s3.source.task.count": count}
            for i in range(count)
        ]
