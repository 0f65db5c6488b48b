"""``words-source``: cycles through a list of words, ``count`` records in all."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field

from connect.api import CommaList, ConnectorConfig, SourceConnector, SourceRecord, SourceTask


class WordsConfig(ConnectorConfig):
    """Options of ``words-source``."""

    topic: str = Field(description="Topic to write to")
    words: CommaList = Field(description="Words to cycle through")
    count: int = Field(100, ge=0, description="Records in all")


class WordsTask(SourceTask):
    """Emits ``words[i % len(words)]``; the stored offset is the next ``i``."""

    version = "1.0.0"

    async def start(self, config: Mapping[str, Any]) -> None:
        self.options = WordsConfig.model_validate(dict(config))
        self.partition = {"words": self.context.connector_name}
        stored = self.context.offset(self.partition)
        self.next = int(stored["i"]) if stored else 0

    async def poll(self) -> list[SourceRecord]:
        o = self.options
        out = []
        while self.next < o.count and len(out) < 500:
            word = o.words[self.next % len(o.words)]
            self.next += 1
            out.append(
                SourceRecord(
                    topic=o.topic,
                    value=word,
                    source_partition=self.partition,
                    source_offset={"i": self.next},
                )
            )
        return out

    async def stop(self) -> None:
        return None


class WordsSourceConnector(SourceConnector):
    """Writes words to a topic: the smallest useful source connector."""

    config_model = WordsConfig
    version = "1.0.0"

    def task_class(self) -> type[SourceTask]:
        return WordsTask
