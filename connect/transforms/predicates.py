"""Predicates that gate transforms: TopicNameMatches, HasHeaderKey, RecordIsTombstone."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import Field

from connect.api import ConnectRecord, Predicate
from connect.config import Regex
from connect.transforms.base import VERSION, TransformConfig


class TopicNameMatchesConfig(TransformConfig):
    """Options of TopicNameMatches."""

    pattern: Regex = Field(
        min_length=1, description="Regular expression the whole topic must match"
    )


class TopicNameMatches(Predicate):
    """True for records whose topic matches ``pattern`` entirely."""

    version = VERSION

    config_model = TopicNameMatchesConfig
    aliases = ("org.apache.kafka.connect.transforms.predicates.TopicNameMatches",)

    def configure(self, config: Mapping[str, Any]) -> None:
        self.options = cfg = TopicNameMatchesConfig.model_validate(dict(config))
        self.pattern = re.compile(cfg.pattern)

    def test(self, record: ConnectRecord) -> bool:
        return self.pattern.fullmatch(record.topic) is not None


class HasHeaderKeyConfig(TransformConfig):
    """Options of HasHeaderKey."""

    name: str = Field(min_length=1, description="Header name")


class HasHeaderKey(Predicate):
    """True for records with at least one header called ``name``."""

    version = VERSION

    config_model = HasHeaderKeyConfig
    aliases = ("org.apache.kafka.connect.transforms.predicates.HasHeaderKey",)

    def configure(self, config: Mapping[str, Any]) -> None:
        self.options = cfg = HasHeaderKeyConfig.model_validate(dict(config))
        self.name = cfg.name

    def test(self, record: ConnectRecord) -> bool:
        return any(name == self.name for name, _ in record.headers)


class RecordIsTombstone(Predicate):
    """True for tombstones: records whose value is ``None``."""

    version = VERSION

    aliases = ("org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",)

    def test(self, record: ConnectRecord) -> bool:
        return record.value is None
