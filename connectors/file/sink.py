"""``file-sink``: appends each record value as a line; durable (fsync) before commit."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import IO, Any

from pydantic import Field

from connect.api import ConnectorConfig, SinkConnector, SinkRecord, SinkTask, TopicPartition


class FileSinkConfig(ConnectorConfig):
    """Options of ``file-sink``."""

    file: str = Field(description="Path of the file to append to")
    encoding: str = Field("utf-8", description="Text encoding of the file")


def _line(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return json.dumps(value, separators=(",", ":"))


class FileStreamSinkTask(SinkTask):
    """Writes lines; ``pre_commit`` flushes and fsyncs, so committed offsets are on disk."""

    version = "0.1.0"

    async def start(self, config: Mapping[str, Any]) -> None:
        self.options = FileSinkConfig.model_validate(dict(config))
        self._fh: IO[str] = await asyncio.to_thread(
            open, self.options.file, "a", encoding=self.options.encoding
        )

    async def put(self, records: list[SinkRecord]) -> None:
        if records:
            self._fh.write("".join(_line(r.value) + "\n" for r in records))

    async def flush(self, offsets: Mapping[TopicPartition, int]) -> None:
        await asyncio.to_thread(self._sync)

    def _sync(self) -> None:
        import os

        self._fh.flush()
        os.fsync(self._fh.fileno())

    async def stop(self) -> None:
        fh = getattr(self, "_fh", None)
        if fh is not None:
            await asyncio.to_thread(self._sync)
            fh.close()


class FileStreamSinkConnector(SinkConnector):
    """Appends record values to one file (Kafka Connect's FileStreamSink)."""

    config_model = FileSinkConfig
    version = "0.1.0"
    aliases = ("FileStreamSink", "org.apache.kafka.connect.file.FileStreamSinkConnector")

    def task_class(self) -> type[SinkTask]:
        return FileStreamSinkTask

    def task_configs(self, max_tasks: int) -> list[dict[str, Any]]:
        return [dict(self.config)]  # one file, one writer
