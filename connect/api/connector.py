"""Connector base classes: validate a config and split the work into task configs."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel

from connect.api.config import ConnectorConfig
from connect.api.task import SinkTask, SourceTask, Task


class Connector(ABC):
    """A plugin that configures and splits a data-sync job into tasks.

    Lifecycle: ``validate`` (class-level, before anything starts) → ``start(config)`` →
    ``task_configs(max_tasks)`` → ``stop()``. ``config`` is the whole task config,
    common keys included, as plain strings/JSON values.

    Class attributes:
        config_model: the pydantic model of the connector's own keys.
        version: shown by ``smart-connect plugins``.
        aliases: extra names ``connector.class`` accepts (the entry point name is one).
    """

    config_model: ClassVar[type[BaseModel]] = ConnectorConfig
    version: ClassVar[str] = "0.0.0"
    aliases: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self.config: dict[str, Any] = {}

    @classmethod
    def validate(cls, config: Mapping[str, Any]) -> BaseModel:
        """Validate ``config`` against ``config_model``; raises pydantic ``ValidationError``."""
        return cls.config_model.model_validate(dict(config))

    @classmethod
    def normalize(cls, config: Mapping[str, Any]) -> dict[str, Any]:
        """Rewrite a config given in another vocabulary (e.g. Huawei's keys) into this one.

        Called before validation; the default returns the config unchanged.
        """
        return dict(config)

    async def start(self, config: Mapping[str, Any]) -> None:
        """Begin with a validated config; the default keeps it in ``self.config``."""
        self.config = dict(config)

    @abstractmethod
    def task_class(self) -> type[Task]:
        """The task class that runs this connector's work."""

    def task_configs(self, max_tasks: int) -> list[dict[str, Any]]:
        """Split the work into at most ``max_tasks`` task configs (default: one, all of it)."""
        return [dict(self.config)]

    async def stop(self) -> None:
        """Release what ``start`` took."""

    def topics(self) -> set[str] | None:
        """The Kafka topics this connector uses, when it knows them."""
        return None


class SourceConnector(Connector):
    """A connector whose tasks read from an external system and write to Kafka."""

    @abstractmethod
    def task_class(self) -> type[SourceTask]:
        """The source task class."""

    def producer_overrides(self) -> dict[str, Any]:
        """Producer settings (Kafka client keys) that replace the worker's, e.g. another cluster.

        When ``bootstrap.servers`` is overridden, the connector's source offsets are stored in
        the offsets topic of that cluster, so data and positions live side by side.
        """
        return {}


class SinkConnector(Connector):
    """A connector whose tasks read from Kafka and write to an external system."""

    @abstractmethod
    def task_class(self) -> type[SinkTask]:
        """The sink task class."""
