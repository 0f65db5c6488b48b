"""The Herder: one control surface; REST and CLI are thin wrappers over it.

HerderError            a request cannot be served; ``status`` is its HTTP code
├── NotFound           404: no such connector, task or plugin
├── Conflict           409: e.g. a name taken, a rebalance in progress, not STOPPED
└── BadRequest         400: invalid config or request
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from connect.api import secret_keys
from connect.config import resolve_all
from connect.plugins import PluginRegistry
from connect.secrets import mask
from connect.status import Status, TaskId


class HerderError(Exception):
    """A request the herder cannot serve."""

    status: int = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(HerderError):
    """No such connector, task or plugin."""

    status = 404


class Conflict(HerderError):
    """The request conflicts with the current state."""

    status = 409


class BadRequest(HerderError):
    """The request or the config in it is invalid."""

    status = 400


ConnectorType = Literal["source", "sink", "unknown"]


@dataclass(frozen=True)
class ConnectorInfo:
    """A connector's config and tasks (``GET /connectors/{name}``)."""

    name: str
    config: dict[str, Any]
    tasks: list[TaskId]
    type: ConnectorType

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "config": self.config,
            "tasks": [t.to_json() for t in self.tasks],
            "type": self.type,
        }


class Herder(ABC):
    """Create, change and inspect connectors. Configs returned are already masked."""

    worker_id: str
    registry: PluginRegistry

    @abstractmethod
    def status(self, name: str) -> dict[str, Any]:
        """Connector and task states as plain JSON; ``NotFound`` if absent."""

    async def wait_for_state(
        self, name: str, state: str, *, tasks: bool = True, timeout: float = 30.0
    ) -> dict[str, Any]:
        """Wait until the connector (and, with ``tasks``, at least one task and all of
        them) are in ``state`` as this herder sees it."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                st: dict[str, Any] | None = self.status(name)
            except NotFound:
                st = None
            if st is not None:
                states = [st["connector"]["state"]]
                states += [t["state"] for t in st["tasks"]] if tasks else []
                if (st["tasks"] or not tasks) and all(s == state for s in states):
                    return st
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name} not {state} after {timeout}s: {st or 'absent'}")
            await asyncio.sleep(0.05)

    def masked(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """``config`` with secrets masked: by key name and the connector's secret fields."""
        extra: set[str] = set()
        try:
            cls = self.registry.connector(str(resolve_all(config).get("connector.class")))
            extra = secret_keys(cls.config_model)
        except Exception:  # an unknown or broken connector: names alone decide
            pass
        return mask(config, extra)

    @abstractmethod
    async def connectors(self) -> list[str]:
        """Names of all connectors."""

    @abstractmethod
    async def connector_info(self, name: str) -> ConnectorInfo:
        """Config and tasks of ``name``; ``NotFound`` if absent."""

    @abstractmethod
    async def put_connector_config(
        self, name: str, config: Mapping[str, Any], *, allow_replace: bool
    ) -> tuple[bool, ConnectorInfo]:
        """Create or update; returns ``(created, info)``. ``Conflict`` if it exists and
        ``allow_replace`` is false; ``BadRequest`` if the config is invalid."""

    @abstractmethod
    async def delete_connector(self, name: str) -> None:
        """Stop and remove ``name``."""

    @abstractmethod
    async def connector_status(self, name: str) -> tuple[Status, dict[int, Status], ConnectorType]:
        """Connector status, task statuses by id, and the connector type."""

    @abstractmethod
    async def task_configs(self, name: str) -> dict[int, dict[str, Any]]:
        """Task configs by task id."""

    @abstractmethod
    async def restart_connector(
        self, name: str, *, include_tasks: bool = False, only_failed: bool = False
    ) -> None:
        """Restart the connector (and its tasks, optionally only the failed ones)."""

    @abstractmethod
    async def restart_task(self, name: str, task: int) -> None:
        """Restart one task."""

    @abstractmethod
    async def set_target_state(self, name: str, state: str) -> None:
        """PAUSE / RESUME (STARTED) / STOP a connector (a ``TargetState`` value)."""

    @abstractmethod
    async def connector_topics(self, name: str) -> list[str]:
        """Topics the connector has used."""

    async def reset_connector_topics(self, name: str) -> None:
        """Forget the topics the connector has used (``PUT .../topics/reset``).

        The default forgets nothing; herders that track the set override this.
        """
        await self.connector_topics(name)  # NotFound for an unknown connector

    @abstractmethod
    async def get_offsets(self, name: str) -> list[dict[str, Any]]:
        """``[{"partition": {...}, "offset": {...}}]`` in Kafka Connect's shape."""

    @abstractmethod
    async def alter_offsets(self, name: str, offsets: list[dict[str, Any]] | None) -> None:
        """Set (``offsets``) or reset (``None``) offsets; ``Conflict`` unless STOPPED."""

    @abstractmethod
    async def validate(self, plugin: str, config: Mapping[str, Any]) -> dict[str, Any]:
        """Kafka Connect's ``ConfigInfos`` shape for ``config`` against ``plugin``."""
