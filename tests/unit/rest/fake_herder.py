"""An in-memory Herder for REST shape tests: pure logic, no workers, no Kafka.

It keeps configs unmasked on purpose, so tests prove the REST layer masks secrets
even if a herder forgot to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connect.herder.base import (
    BadRequest,
    Conflict,
    ConnectorInfo,
    ConnectorType,
    Herder,
    NotFound,
)
from connect.status import State, Status, TargetState, TaskId

SECRET = "hunter2-top-secret"


@dataclass
class _Connector:
    config: dict[str, Any]
    target: TargetState = TargetState.STARTED
    state: State = State.RUNNING
    tasks: dict[int, State] = field(default_factory=dict)
    offsets: list[dict[str, Any]] = field(default_factory=list)
    restarts: list[tuple[str, bool, bool]] = field(default_factory=list)


class FakeHerder(Herder):
    """Connectors in a dict; sinks when ``topics`` is set, sources otherwise."""

    def __init__(self) -> None:
        self.worker_id = "127.0.0.1:8083"
        self.kafka_cluster_id = "fake-cluster"
        self.store: dict[str, _Connector] = {}
        self.validated: list[tuple[str, dict[str, Any]]] = []

    # helpers for tests
    def add(self, name: str, config: dict[str, Any], tasks: int = 2) -> _Connector:
        conn = _Connector(
            config={**config, "name": name}, tasks={i: State.RUNNING for i in range(tasks)}
        )
        self.store[name] = conn
        return conn

    def _get(self, name: str) -> _Connector:
        if name not in self.store:
            raise NotFound(f"Connector {name} not found")
        return self.store[name]

    def _type(self, conn: _Connector) -> ConnectorType:
        return "sink" if "topics" in conn.config or "topics.regex" in conn.config else "source"

    def _info(self, name: str) -> ConnectorInfo:
        conn = self._get(name)
        tasks = [TaskId(name, i) for i in sorted(conn.tasks)]
        return ConnectorInfo(name, dict(conn.config), tasks, self._type(conn))

    # the contract
    async def connectors(self) -> list[str]:
        return list(self.store)

    async def connector_info(self, name: str) -> ConnectorInfo:
        return self._info(name)

    async def put_connector_config(
        self, name: str, config: Mapping[str, Any], *, allow_replace: bool
    ) -> tuple[bool, ConnectorInfo]:
        if "connector.class" not in config:
            raise BadRequest("Connector config is missing connector.class")
        exists = name in self.store
        if exists and not allow_replace:
            raise Conflict(f"Connector {name} already exists")
        tasks = int(config.get("tasks.max", 1)) if str(config.get("tasks.max", 1)).isdigit() else 1
        if exists:
            self.store[name].config = dict(config)
            self.store[name].tasks = {i: State.RUNNING for i in range(max(tasks, 1))}
        else:
            self.add(name, dict(config), max(tasks, 1))
        return not exists, self._info(name)

    async def delete_connector(self, name: str) -> None:
        self._get(name)
        del self.store[name]

    async def connector_status(self, name: str) -> tuple[Status, dict[int, Status], ConnectorType]:
        conn = self._get(name)
        trace = "Traceback: boom" if conn.state == State.FAILED else None
        connector = Status(conn.state, self.worker_id, trace)
        tasks = {
            i: Status(s, self.worker_id, "Traceback: task boom" if s == State.FAILED else None)
            for i, s in conn.tasks.items()
        }
        return connector, tasks, self._type(conn)

    def status(self, name: str) -> dict[str, Any]:
        conn = self._get(name)
        return {
            "name": name,
            "connector": Status(conn.state, self.worker_id).to_json(),
            "tasks": [
                {"id": i, **Status(s, self.worker_id).to_json()} for i, s in conn.tasks.items()
            ],
            "type": self._type(conn),
        }

    async def task_configs(self, name: str) -> dict[int, dict[str, Any]]:
        conn = self._get(name)
        return {i: {**conn.config, "task.id": str(i)} for i in conn.tasks}

    async def restart_connector(
        self, name: str, *, include_tasks: bool = False, only_failed: bool = False
    ) -> None:
        self._get(name).restarts.append(("connector", include_tasks, only_failed))

    async def restart_task(self, name: str, task: int) -> None:
        conn = self._get(name)
        if task not in conn.tasks:
            raise NotFound(f"Task {name}-{task} not found")
        conn.restarts.append((f"task-{task}", False, False))

    async def set_target_state(self, name: str, state: str) -> None:
        conn = self._get(name)
        conn.target = TargetState(state)
        conn.state = {
            TargetState.STARTED: State.RUNNING,
            TargetState.PAUSED: State.PAUSED,
            TargetState.STOPPED: State.STOPPED,
        }[conn.target]

    async def connector_topics(self, name: str) -> list[str]:
        conn = self._get(name)
        topics = conn.config.get("topics", "")
        return [t for t in str(topics).split(",") if t]

    async def get_offsets(self, name: str) -> list[dict[str, Any]]:
        return list(self._get(name).offsets)

    async def alter_offsets(self, name: str, offsets: list[dict[str, Any]] | None) -> None:
        conn = self._get(name)
        if conn.target != TargetState.STOPPED:
            raise Conflict(
                f"Connectors must be in the STOPPED state before their offsets can be "
                f"modified. Connector {name} is {conn.target}."
            )
        if offsets is None:
            conn.offsets = []
        else:
            conn.offsets = [o for o in offsets if o["offset"] is not None]

    async def validate(self, plugin: str, config: Mapping[str, Any]) -> dict[str, Any]:
        self.validated.append((plugin, dict(config)))
        errors = [] if "topics" in config else ["Missing required configuration"]
        return {
            "name": plugin,
            "error_count": len(errors),
            "groups": ["Common"],
            "configs": [
                {
                    "definition": {
                        "name": "topics",
                        "type": "LIST",
                        "required": True,
                        "default_value": None,
                        "importance": "HIGH",
                        "documentation": "Topics to read",
                        "group": "Common",
                        "width": "NONE",
                        "display_name": "topics",
                        "dependents": [],
                        "order": 0,
                    },
                    "value": {
                        "name": "topics",
                        "value": config.get("topics"),
                        "recommended_values": [],
                        "errors": errors,
                        "visible": True,
                    },
                },
                {
                    "definition": {
                        "name": "db.password",
                        "type": "PASSWORD",
                        "required": False,
                        "default_value": None,
                        "importance": "HIGH",
                        "documentation": "",
                        "group": "Common",
                        "width": "NONE",
                        "display_name": "db.password",
                        "dependents": [],
                        "order": 1,
                    },
                    "value": {
                        "name": "db.password",
                        "value": config.get("db.password"),
                        "recommended_values": [],
                        "errors": [],
                        "visible": True,
                    },
                },
            ],
        }
