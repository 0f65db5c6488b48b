"""Worker config and task JSON: loading, config providers, and validation.

Worker configs come from a JSON object or a Java-style ``.properties`` file. Task
files use Kafka Connect's shape ``{"name": ..., "config": {...}}``. In both, string
values may reference ``${env:NAME}`` or ``${file:PATH:KEY}`` (a key of a properties
or JSON file; without ``:KEY``, the whole file) so secrets stay out of the files.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from connect.api.config import CommaList
from connect.api.errors import ConfigError
from connect.known_keys import UnknownKey, model_keys, worker_unknown_keys


def _compiles(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from exc
    return value


Regex = Annotated[str, AfterValidator(_compiles)]
"""A config value that must be a valid regular expression."""


class InvalidConfig(ConfigError):
    """A config file or task JSON has problems; ``problems`` lists each as ``key: message``."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(problems))
        self.source = source
        self.problems = problems


# ---------------------------------------------------------------- providers

_REF = re.compile(r"\$\{(env|file):([^}]*)\}")


def _file_value(spec: str) -> str:
    path, _, key = spec.rpartition(":") if spec.count(":") >= 1 else (spec, "", "")
    if not path:  # no ":KEY" part
        path, key = spec, ""
    text = Path(path).read_text(encoding="utf-8")
    if not key:
        return text.strip()
    data: Mapping[str, Any] = json.loads(text) if path.endswith(".json") else parse_properties(text)
    if key not in data:
        raise KeyError(f"key {key!r} not in {path}")
    return str(data[key])


def resolve(value: Any) -> Any:
    """Replace ``${env:NAME}`` and ``${file:PATH:KEY}`` references in a string value."""
    if not isinstance(value, str) or "${" not in value:
        return value

    def sub(match: re.Match[str]) -> str:
        kind, arg = match.group(1), match.group(2)
        if kind == "env":
            if arg not in os.environ:
                raise ConfigError(f"environment variable {arg} is not set")
            return os.environ[arg]
        try:
            return _file_value(arg)
        except (OSError, KeyError, ValueError) as exc:
            raise ConfigError(f"cannot read ${{file:{arg}}}: {exc}") from exc

    return _REF.sub(sub, value)


def resolve_all(config: Mapping[str, Any]) -> dict[str, Any]:
    """``resolve`` every value; problems name their key."""
    out: dict[str, Any] = {}
    for key, value in config.items():
        try:
            out[key] = resolve(value)
        except ConfigError as exc:
            raise ConfigError(str(exc), key=key) from exc
    return out


def resolve_each(config: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """``resolve`` every value that can be; the others stay as given.

    Returns the config and, by key, why each unresolved value could not be resolved
    (every unset variable or unreadable file of the config, not only the first).
    """
    out: dict[str, Any] = {}
    failed: dict[str, str] = {}
    for key, value in config.items():
        try:
            out[key] = resolve(value)
        except ConfigError:
            out[key] = value
            failed[key] = "; ".join(_reference_problems(value))
    return out, failed


def _reference_problems(value: str) -> list[str]:
    problems = []
    for match in _REF.finditer(value):
        try:
            resolve(match.group(0))
        except ConfigError as exc:
            problems.append(str(exc))
    return problems


# ---------------------------------------------------------------- files


def parse_properties(text: str) -> dict[str, str]:
    """Parse Java ``.properties`` text (``key=value``/``key: value``, ``#``/``!`` comments,
    ``\\`` line continuations)."""
    out: dict[str, str] = {}
    logical = ""
    for raw in text.splitlines():
        line = raw.strip() if not logical else raw.lstrip()
        if not logical and (not line or line[0] in "#!"):
            continue
        if line.endswith("\\") and not line.endswith("\\\\"):
            logical += line[:-1]
            continue
        logical += line
        match = re.match(r"([^=:\s]+)\s*[=:\s]\s*(.*)$", logical)
        if match:
            out[match.group(1)] = match.group(2).strip()
        elif logical:
            out[logical] = ""
        logical = ""
    return out


def load_mapping(path: str | Path) -> dict[str, Any]:
    """Load a JSON object or a ``.properties`` file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidConfig(str(p), [f"cannot read file: {exc.strerror or exc}"]) from exc
    if p.suffix in (".properties", ".conf", ".cfg") or not text.lstrip().startswith("{"):
        return parse_properties(text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidConfig(
            str(p), [f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"]
        ) from exc
    if not isinstance(data, dict):
        raise InvalidConfig(str(p), ["expected a JSON object"])
    return data


def format_errors(exc: ValidationError, prefix: str = "") -> list[str]:
    """One ``key: what is expected (got ...)`` line per pydantic error."""
    lines = []
    for err in exc.errors(include_url=False):
        key = ".".join(str(part) for part in err["loc"] if part != "__root__")
        # loc of a model field validated by alias is the alias: the task-JSON key
        where = f"{prefix}{key}" if key else prefix.rstrip(".") or "config"
        got = ""
        if (
            err["type"] not in ("missing",)
            and "input" in err
            and not isinstance(err["input"], dict)
        ):
            got = f" (got {err['input']!r})"
        msg = err["msg"]
        if err["type"] == "missing":
            msg = "required key is missing"
        lines.append(f"{where}: {msg}{got}")
    return lines


# ---------------------------------------------------------------- worker config


class WorkerConfig(BaseModel):
    """The worker's own settings (Kafka Connect's keys)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=True)

    bootstrap_servers: str | None = Field(None, alias="bootstrap.servers")
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        "PLAINTEXT", alias="security.protocol"
    )
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = Field(
        None, alias="sasl.mechanism"
    )
    sasl_username: str | None = Field(None, alias="sasl.username")
    sasl_password: SecretStr | None = Field(None, alias="sasl.password")
    ssl_cafile: str | None = Field(None, alias="ssl.cafile")
    ssl_endpoint_identification_algorithm: str | None = Field(
        None, alias="ssl.endpoint.identification.algorithm"
    )
    client_id: str = Field("smart-connect", alias="client.id")

    offset_storage_topic: str = Field("connect-offsets", alias="offset.storage.topic")
    offset_storage_partitions: int = Field(25, ge=1, alias="offset.storage.partitions")
    offset_storage_replication_factor: int = Field(
        3, ge=1, alias="offset.storage.replication.factor"
    )
    offset_storage_file_filename: str | None = Field(None, alias="offset.storage.file.filename")
    offset_flush_interval_ms: int = Field(10_000, ge=1, alias="offset.flush.interval.ms")
    task_shutdown_graceful_timeout_ms: int = Field(
        5_000, ge=0, alias="task.shutdown.graceful.timeout.ms"
    )
    task_restart_backoff_initial_ms: int = Field(500, ge=0, alias="task.restart.backoff.initial.ms")
    task_restart_backoff_max_ms: int = Field(60_000, ge=0, alias="task.restart.backoff.max.ms")
    task_inflight_max_bytes: int = Field(64 * 1024 * 1024, ge=1024, alias="task.inflight.max.bytes")
    plugin_path: CommaList = Field(default_factory=list, alias="plugin.path")
    listeners: str | None = Field(None, alias="listeners")
    # observability (connect/metrics, docs/metrics.md)
    metrics_enabled: bool = Field(True, alias="metrics.enabled")
    metrics_auth_enabled: bool = Field(True, alias="metrics.auth.enabled")
    log_progress_interval_ms: int = Field(60_000, ge=0, alias="log.progress.interval.ms")
    # web console (connect/rest/ui.py, docs/ui.md): hide and refuse changes from the console
    ui_read_only: bool = Field(False, alias="ui.read.only")

    # distributed mode
    group_id: str | None = Field(None, alias="group.id")
    config_storage_topic: str = Field("connect-configs", alias="config.storage.topic")
    status_storage_topic: str = Field("connect-status", alias="status.storage.topic")
    config_storage_replication_factor: int = Field(
        3, ge=1, alias="config.storage.replication.factor"
    )
    status_storage_replication_factor: int = Field(
        3, ge=1, alias="status.storage.replication.factor"
    )
    status_storage_partitions: int = Field(5, ge=1, alias="status.storage.partitions")
    # the smallest session stock brokers accept (group.min.session.timeout.ms): a killed
    # worker's tasks run elsewhere in under 10 s
    session_timeout_ms: int = Field(6_000, ge=1, alias="session.timeout.ms")
    heartbeat_interval_ms: int = Field(1_000, ge=1, alias="heartbeat.interval.ms")
    rebalance_timeout_ms: int = Field(60_000, ge=1, alias="rebalance.timeout.ms")
    scheduled_rebalance_max_delay_ms: int = Field(
        1_000, ge=0, alias="scheduled.rebalance.max.delay.ms"
    )
    rest_advertised_listener: str | None = Field(None, alias="rest.advertised.listener")
    rest_advertised_host_name: str | None = Field(None, alias="rest.advertised.host.name")
    rest_advertised_port: int | None = Field(None, alias="rest.advertised.port")
    config_unknown_keys: Literal["warn", "error"] = Field(
        "warn",
        alias="config.unknown.keys",
        description="warn: log keys nothing reads; error: refuse such worker and task configs",
    )

    def prefixed(self, prefix: str) -> dict[str, Any]:
        """Passthrough settings under ``prefix`` (``producer.``, ``consumer.``, ``admin.``)."""
        extra = self.model_extra or {}
        return {k[len(prefix) :]: v for k, v in extra.items() if k.startswith(prefix)}

    def unknown_keys(self) -> list[UnknownKey]:
        """Keys of this config that nothing reads, with a did-you-mean where one is close."""
        return worker_unknown_keys(self.model_extra or {}, model_keys(WorkerConfig))

    @field_validator("bootstrap_servers")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        return value.strip() or None if value else None

    @model_validator(mode="after")
    def _sasl_needs_credentials(self) -> WorkerConfig:
        if self.security_protocol.startswith("SASL") and not (
            self.sasl_mechanism and self.sasl_username and self.sasl_password
        ):
            raise ValueError(
                "security.protocol SASL_* needs sasl.mechanism, sasl.username and sasl.password"
            )
        return self


def load_worker_config(
    path: str | Path | None, overrides: Mapping[str, Any] | None = None
) -> WorkerConfig:
    """Load, resolve and validate a worker config; ``InvalidConfig`` lists every problem."""
    raw: dict[str, Any] = load_mapping(path) if path else {}
    raw.update(overrides or {})
    source = str(path or "worker config")
    resolved, failed = resolve_each(raw)
    problems = [f"{key}: {why}" for key, why in failed.items()]
    try:
        config = WorkerConfig.model_validate(resolved)
    except ValidationError as exc:
        problems += [line for line in format_errors(exc) if line.partition(": ")[0] not in failed]
    if problems:
        raise InvalidConfig(source, problems)
    return config


# ---------------------------------------------------------------- task JSON


class CommonTaskConfig(BaseModel):
    """The keys every task config shares; the connector's model checks the rest."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=True)

    connector_class: str = Field(
        alias="connector.class",
        description="Connector alias (file-source), class name, or module:Class",
    )
    tasks_max: int = Field(1, ge=1, alias="tasks.max", description="Most tasks to run")
    topics: CommaList | None = Field(None, description="Sink: topics to read")
    topics_regex: Regex | None = Field(
        None, alias="topics.regex", description="Sink: regex of topics to read"
    )
    key_converter: str | None = Field(None, alias="key.converter")
    value_converter: str | None = Field(None, alias="value.converter")
    key_converter_schemas_enable: bool | None = Field(None, alias="key.converter.schemas.enable")
    value_converter_schemas_enable: bool | None = Field(
        None, alias="value.converter.schemas.enable"
    )
    transforms: CommaList = Field(default_factory=list, description="Transform aliases in order")
    predicates: CommaList = Field(default_factory=list, description="Predicate aliases")
    errors_tolerance: Literal["none", "all"] = Field("none", alias="errors.tolerance")
    errors_retry_timeout: int = Field(0, ge=-1, alias="errors.retry.timeout")
    errors_retry_delay_max_ms: int = Field(60_000, ge=0, alias="errors.retry.delay.max.ms")
    errors_log_enable: bool = Field(False, alias="errors.log.enable")
    errors_log_include_messages: bool = Field(False, alias="errors.log.include.messages")
    errors_deadletterqueue_topic_name: str | None = Field(
        None, alias="errors.deadletterqueue.topic.name"
    )
    errors_deadletterqueue_topic_replication_factor: int = Field(
        3, ge=1, alias="errors.deadletterqueue.topic.replication.factor"
    )
    errors_deadletterqueue_context_headers_enable: bool = Field(
        False, alias="errors.deadletterqueue.context.headers.enable"
    )


class TaskSpec(BaseModel):
    """A task file: Kafka Connect's ``{"name": ..., "config": {...}}``."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, pattern=r"^[^/\\\s][^/\\]*$", description="Unique task name")
    config: CommonTaskConfig


def task_json_schema() -> dict[str, Any]:
    """The JSON Schema of the common task shape (written to ``tasks/task.schema.json``)."""
    schema = TaskSpec.model_json_schema(by_alias=True)
    schema["$id"] = "https://smart-connect.dev/task.schema.json"
    schema["title"] = "smart-connect task"
    return schema


class _TaskShape(BaseModel):
    """The outer layer of a task file; ``check_config`` checks what is inside ``config``."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, pattern=r"^[^/\\\s][^/\\]*$")
    config: dict[str, Any]


def is_json_schema(data: Any) -> bool:
    """Whether a JSON document is a JSON Schema (like ``tasks/task.schema.json``), not a task."""
    return isinstance(data, dict) and "config" not in data and ("$schema" in data or "$id" in data)


def parse_task(data: Any, source: str = "task") -> tuple[str, dict[str, Any]]:
    """Check the outer shape of a task document; return ``(name, raw config)``.

    Two shapes are accepted, as by the REST API: ``{"name": ..., "config": {...}}`` and a
    flat config with its ``name`` (``{"name": ..., "connector.class": ..., ...}``). Values
    keep their original form: ``connect.validation.check_config`` checks them.
    """
    if not isinstance(data, dict):
        raise InvalidConfig(source, ['expected a JSON object {"name": ..., "config": {...}}'])
    if "config" not in data and "connector.class" in data:
        flat = {k: v for k, v in data.items() if k != "name"}
        data = {"name": data.get("name"), "config": flat} if "name" in data else {"config": flat}
    try:
        spec = _TaskShape.model_validate(data)
    except ValidationError as exc:
        raise InvalidConfig(source, format_errors(exc)) from exc
    raw = dict(spec.config)
    if raw.get("topics") and raw.get("topics.regex"):
        raise InvalidConfig(source, ["config.topics: give topics or topics.regex, not both"])
    return spec.name, raw


def read_json(path: str | Path) -> Any:
    """The JSON document in a file; ``InvalidConfig`` names the file and the problem."""
    p = Path(path)
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidConfig(str(p), [f"cannot read file: {exc.strerror or exc}"]) from exc
    except json.JSONDecodeError as exc:
        raise InvalidConfig(
            str(p), [f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"]
        ) from exc


def load_task_file(path: str | Path) -> tuple[str, dict[str, Any]]:
    """Read and check the outer shape of one task file."""
    return parse_task(read_json(path), str(path))


def common(config: Mapping[str, Any]) -> CommonTaskConfig:
    """The validated common keys of a (resolved) task config."""
    return CommonTaskConfig.model_validate(dict(config))
