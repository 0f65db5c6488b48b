"""Request and response bodies of the REST API, in Kafka Connect's JSON shapes.

Request models validate what clients send; response models document what the API
returns (the OpenAPI document that tools and schemathesis read). Config values are
free-form JSON: Kafka Connect sends strings, smart-connect also accepts numbers,
booleans and lists.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ErrorMessage(BaseModel):
    """Every error: the HTTP status repeated and a human message."""

    error_code: int
    message: str


class Message(BaseModel):
    """A plain success message (offsets altered or reset)."""

    message: str


class ServerInfo(BaseModel):
    """``GET /``."""

    version: str
    commit: str
    kafka_cluster_id: str | None


class CreateConnectorRequest(BaseModel):
    """``POST /connectors``."""

    model_config = ConfigDict(extra="ignore")

    name: str = Field(description="Connector name, unique in the worker or cluster")
    config: dict[str, Any] = Field(description="Connector config; string values as in Kafka")
    initial_state: Literal["RUNNING", "PAUSED", "STOPPED"] | None = Field(
        None, description="State to create the connector in (Kafka Connect 3.5+)"
    )


class ConnectorTaskId(BaseModel):
    """A task's identity."""

    connector: str
    task: int


class ConnectorInfoModel(BaseModel):
    """``GET /connectors/{name}``: config and tasks."""

    name: str
    config: dict[str, Any]
    tasks: list[ConnectorTaskId]
    type: Literal["source", "sink", "unknown"]


class TaskInfo(BaseModel):
    """One element of ``GET /connectors/{name}/tasks``."""

    id: ConnectorTaskId
    config: dict[str, Any]


class ConnectorState(BaseModel):
    """The connector part of a status."""

    state: str
    worker_id: str
    trace: str | None = None


class TaskState(BaseModel):
    """One task's status."""

    id: int
    state: str
    worker_id: str
    trace: str | None = None


class ConnectorStatusModel(BaseModel):
    """``GET /connectors/{name}/status``."""

    name: str
    connector: ConnectorState
    tasks: list[TaskState]
    type: Literal["source", "sink", "unknown"]


class ExpandedConnector(BaseModel):
    """One value of ``GET /connectors?expand=...``."""

    info: ConnectorInfoModel | None = None
    status: ConnectorStatusModel | None = None


class TopicsModel(BaseModel):
    """The value under the connector's name in ``GET /connectors/{name}/topics``."""

    topics: list[str]


class ConnectorOffset(BaseModel):
    """One source partition (or Kafka topic-partition for sinks) and its offset.

    Sinks: ``{"partition": {"kafka_topic": t, "kafka_partition": p},
    "offset": {"kafka_offset": o}}``; sources: whatever the connector defines.
    A ``null`` offset in a PATCH removes that partition's offset.
    """

    partition: dict[str, Any]
    offset: dict[str, Any] | None


class ConnectorOffsets(BaseModel):
    """``GET``/``PATCH /connectors/{name}/offsets``."""

    offsets: list[ConnectorOffset]


class PluginInfo(BaseModel):
    """One element of ``GET /connector-plugins``."""

    model_config = ConfigDict(populate_by_name=True)

    class_: str = Field(alias="class")
    type: Literal["source", "sink", "converter", "transformation", "predicate"]
    version: str


class ConfigKeyInfo(BaseModel):
    """One config key's definition (Kafka's ``ConfigKeyInfo``)."""

    name: str
    type: str
    required: bool
    default_value: str | None
    importance: str
    documentation: str
    group: str | None
    width: str
    display_name: str
    dependents: list[str]
    order: int


class ConfigValueInfo(BaseModel):
    """One config key's value and errors (Kafka's ``ConfigValueInfo``)."""

    name: str
    value: str | None
    recommended_values: list[str]
    errors: list[str]
    visible: bool


class ConfigInfo(BaseModel):
    """Definition and value of one key."""

    definition: ConfigKeyInfo
    value: ConfigValueInfo


class ConfigInfos(BaseModel):
    """``PUT /connector-plugins/{plugin}/config/validate``."""

    name: str
    error_count: int
    groups: list[str]
    configs: list[ConfigInfo]


class LoggerLevel(BaseModel):
    """A logger's level (``GET /admin/loggers/{name}``)."""

    level: str
    last_modified: int | None = None


class LoggerLevelRequest(BaseModel):
    """``PUT /admin/loggers/{name}``."""

    level: str = Field(description="TRACE, DEBUG, INFO, WARN, ERROR, FATAL or OFF")
