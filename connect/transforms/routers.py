"""Routers: change a record's topic by regex or by its timestamp."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import Field, field_validator

from connect.api import DataError, Transformation
from connect.config import Regex
from connect.transforms.base import VERSION, R, TransformConfig
from connect.transforms.dateformat import DateFormat


def _java_replacement(replacement: str) -> str:
    r"""Java's ``$1`` / ``${name}`` group references as Python's ``\g<1>`` / ``\g<name>``."""
    out = re.sub(r"\\", r"\\\\", replacement)
    out = re.sub(r"\$\{(\w+)\}", r"\\g<\1>", out)
    return re.sub(r"\$(\d+)", r"\\g<\1>", out)


class RegexRouterConfig(TransformConfig):
    """Options of RegexRouter."""

    regex: Regex = Field(description="Regular expression the whole topic must match")
    replacement: str = Field(description="New topic; $1 or ${name} refer to groups")


class RegexRouter(Transformation):
    """Rename topics that match ``regex`` (the whole name) to ``replacement``."""

    version = VERSION

    config_model = RegexRouterConfig
    aliases = ("org.apache.kafka.connect.transforms.RegexRouter",)

    def configure(self, config: Mapping[str, Any]) -> None:
        self.options = cfg = RegexRouterConfig.model_validate(dict(config))
        self.regex = re.compile(cfg.regex)
        self.replacement = _java_replacement(cfg.replacement)

    def apply(self, record: R) -> R | None:
        match = self.regex.fullmatch(record.topic)
        if not match:
            return record
        try:
            return record.with_(topic=match.expand(self.replacement))
        except (re.error, IndexError) as exc:
            raise DataError(f"RegexRouter: bad replacement for {record.topic!r}: {exc}") from exc


class TimestampRouterConfig(TransformConfig):
    """Options of TimestampRouter."""

    topic_format: str = Field(
        "${topic}-${timestamp}",
        alias="topic.format",
        description="New topic; ${topic} and ${timestamp} are replaced",
    )
    timestamp_format: str = Field(
        "yyyyMMdd", alias="timestamp.format", description="SimpleDateFormat of ${timestamp}"
    )

    @field_validator("timestamp_format")
    @classmethod
    def _pattern(cls, value: str) -> str:
        DateFormat(value)
        return value


class TimestampRouter(Transformation):
    """Route to a topic named after the record's topic and UTC timestamp, e.g. ``logs-20240305``."""

    version = VERSION

    config_model = TimestampRouterConfig
    aliases = ("org.apache.kafka.connect.transforms.TimestampRouter",)

    def configure(self, config: Mapping[str, Any]) -> None:
        self.options = cfg = TimestampRouterConfig.model_validate(dict(config))
        self.topic_format = cfg.topic_format
        self.format = DateFormat(cfg.timestamp_format)

    def apply(self, record: R) -> R | None:
        if record.timestamp is None:
            raise DataError(f"TimestampRouter: record on {record.topic!r} has no timestamp")
        moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=record.timestamp)
        topic = self.topic_format.replace("${topic}", record.topic).replace(
            "${timestamp}", self.format.format(moment)
        )
        return record.with_(topic=topic)
