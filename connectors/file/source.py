"""``file-source``: each line of a file becomes a record; offset = byte position."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import IO, Any

from pydantic import Field

from connect.api import ConfigError, ConnectorConfig, SourceConnector, SourceRecord, SourceTask

log = logging.getLogger(__name__)


class FileSourceConfig(ConnectorConfig):
    """Options of ``file-source``."""

    file: str = Field(description="Path of the file to read")
    topic: str = Field(description="Topic to write lines to")
    batch_size: int = Field(2000, ge=1, alias="batch.size", description="Most lines per poll")
    encoding: str = Field("utf-8", description="Text encoding of the file")


class FileStreamSourceTask(SourceTask):
    """Reads complete lines from the stored byte position; a partial last line waits."""

    version = "0.1.0"

    async def start(self, config: Mapping[str, Any]) -> None:
        self.options = FileSourceConfig.model_validate(dict(config))
        self.partition = {"filename": self.options.file}
        stored = self.context.offset(self.partition)
        self.position = int(stored["position"]) if stored else 0
        self._fh: IO[bytes] | None = None
        self._missing = False

    def _open(self) -> bool:
        """Open the file if it exists now (a worker thread: no logging or status here)."""
        try:
            self._fh = open(self.options.file, "rb")  # noqa: SIM115 - kept open across polls
        except FileNotFoundError:
            return False
        self._fh.seek(self.position)
        return True

    def _note_missing(self, missing: bool) -> None:
        """Say once that the file is missing, in the log and the task's status (the
        runtime's ``report``, where it offers one), and once that it appeared."""
        if missing == self._missing:
            return
        self._missing = missing
        report = getattr(self.context, "report", None)
        if missing:
            message = f"waiting for {self.options.file}: the file does not exist"
            log.warning("file-source: %s", message)
        else:
            message = None
            log.info("file-source: %s appeared; reading it", self.options.file)
        if callable(report):
            report(message)

    def _read(self) -> list[tuple[bytes, int]]:
        assert self._fh is not None
        lines = []
        for _ in range(self.options.batch_size):
            start = self._fh.tell()
            line = self._fh.readline()
            if not line.endswith(b"\n"):
                self._fh.seek(start)  # incomplete: wait until the writer finishes it
                break
            lines.append((line, self._fh.tell()))
        return lines

    async def poll(self) -> list[SourceRecord]:
        if self._fh is None:
            found = await asyncio.to_thread(self._open)
            self._note_missing(not found)
            if not found:
                return []
        lines = await asyncio.to_thread(self._read)
        if not lines:
            return []
        topic, enc = self.options.topic, self.options.encoding
        records = [
            SourceRecord(
                topic=topic,
                value=line.rstrip(b"\r\n").decode(enc),
                source_partition=self.partition,
                source_offset={"position": end},
            )
            for line, end in lines
        ]
        self.position = lines[-1][1]
        return records

    async def stop(self) -> None:
        if getattr(self, "_fh", None) is not None:
            assert self._fh is not None
            self._fh.close()


class FileStreamSourceConnector(SourceConnector):
    """Streams the lines of one file into a topic (Kafka Connect's FileStreamSource)."""

    config_model = FileSourceConfig
    version = "0.1.0"
    aliases = ("FileStreamSource", "org.apache.kafka.connect.file.FileStreamSourceConnector")

    def task_class(self) -> type[SourceTask]:
        return FileStreamSourceTask

    def task_configs(self, max_tasks: int) -> list[dict[str, Any]]:
        if "topics" in self.config and "topic" not in self.config:
            raise ConfigError("file-source writes to one topic: use 'topic'", key="topics")
        return [dict(self.config)]  # one file, one reader
