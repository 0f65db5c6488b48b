"""``kafka-replicator``: Huawei DMS Smart Connect's "copy Kafka data" task, as-is.

Huawei's task runs on the *current* instance and replicates to or from a *peer*:

    direction   pull      peer → current
                push      current → peer
                two-way   both flows, in one connector

Its keys are rewritten (``normalize``) into ``mirror-source`` keys for the first flow;
the connector then runs mirror-source tasks for each flow (each with its own producer
target and offsets topic) and, with ``sync_consumer_offsets_enabled``, a checkpoint task
per flow that syncs consumer group offsets. ``rename_topic_enabled`` (default true)
selects the default policy (``<alias>.<topic>``), else identity names.

The current instance's address is implicit on Huawei Cloud; here it is given as
``current_bootstrap_servers`` (with optional ``current_security_protocol``,
``current_sasl_mechanism``, ``current_user_name``, ``current_password``). Huawei's keys have
no CA file: ``ssl.cafile`` (peer) and ``current_ssl.cafile`` give one, and
``ssl.endpoint.identification.algorithm`` (empty: no hostname check) likewise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Self

from pydantic import Field, model_validator

from connect.api import (
    ConfigError,
    SourceConnector,
    SourceTask,
    SourceTaskContext,
)
from connectors.kafka_mirror.checkpoint import MirrorCheckpointTask
from connectors.kafka_mirror.config import TASK_COUNT_KEY, MirrorSourceConfig
from connectors.kafka_mirror.source import (
    VERSION,
    MirrorSourceTask,
    Polled,
    target_producer_settings,
)

ROLE_KEY = "replicator.role"
DIRECTION_KEY = "replicator.direction"
SYNC_OFFSETS_KEY = "replicator.sync.consumer.offsets"
FLOW_TASK_KEY = "replicator.flow.task"

HUAWEI_KEYS = {
    "current_cluster_name",
    "cluster_name",
    "bootstrap_servers",
    "security_protocol",
    "sasl_mechanism",
    "user_name",
    "password",
    "direction",
    "topics_regex",
    "task_num",
    "rename_topic_enabled",
    "topics_mapping",
    "provenance_header_enabled",
    "sync_consumer_offsets_enabled",
    "replication_factor",
    "consumer_strategy",
    "compression_type",
    "current_bootstrap_servers",
    "current_security_protocol",
    "current_sasl_mechanism",
    "current_user_name",
    "current_password",
    # not Huawei's (DMS fills the CA in): where the peer's or current instance's CA is
    "ssl.cafile",
    "current_ssl.cafile",
    "ssl.endpoint.identification.algorithm",
    "current_ssl.endpoint.identification.algorithm",
}
_CONNECTION = {
    "bootstrap.servers": "bootstrap_servers",
    "security.protocol": "security_protocol",
    "sasl.mechanism": "sasl_mechanism",
    "sasl.username": "user_name",
    "sasl.password": "password",
}
_TLS = ("ssl.cafile", "ssl.endpoint.identification.algorithm")


def _flag(config: Mapping[str, Any], key: str, default: bool) -> bool:
    value = config.get(key, default)
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off", ""):
        return False
    raise ConfigError(f"expected true or false, got {value!r}", key=key)


def _choice(config: Mapping[str, Any], key: str, default: str, allowed: tuple[str, ...]) -> str:
    value = str(config.get(key, default)).strip().lower()
    if value not in allowed:
        raise ConfigError(f"expected one of {', '.join(allowed)}, got {value!r}", key=key)
    return value


def normalize_huawei(config: Mapping[str, Any]) -> dict[str, Any]:
    """Huawei replication keys → ``mirror-source`` keys (first flow) + replicator keys."""
    if not HUAWEI_KEYS & set(config):
        return dict(config)
    out = {k: v for k, v in config.items() if k not in HUAWEI_KEYS}
    for key in ("current_cluster_name", "cluster_name", "bootstrap_servers"):
        if not config.get(key):
            raise ConfigError("required key is missing", key=key)
    if not config.get("current_bootstrap_servers"):
        raise ConfigError(
            "required key is missing: the current instance's address (Huawei Cloud fills "
            "it in; give it here)",
            key="current_bootstrap_servers",
        )
    direction = _choice(config, "direction", "pull", ("pull", "push", "two-way"))
    rename = _flag(config, "rename_topic_enabled", True)
    provenance = _flag(config, "provenance_header_enabled", False)
    if direction == "two-way" and not provenance:
        if not rename:
            raise ConfigError(
                "two-way replication with rename_topic_enabled=false needs "
                "provenance_header_enabled=true; otherwise records would be copied back and "
                "forth forever",
                key="provenance_header_enabled",
            )
        if config.get("topics_mapping"):
            raise ConfigError(
                "two-way replication with topics_mapping needs provenance_header_enabled=true: "
                "mapped names hide where a topic came from, so records would loop",
                key="provenance_header_enabled",
            )
    peer = {k: config.get(h) for k, h in _CONNECTION.items()}
    current = {k: config.get(f"current_{h}") for k, h in _CONNECTION.items()}
    peer |= {k: config[k] for k in _TLS if k in config}
    current |= {k: config[f"current_{k}"] for k in _TLS if f"current_{k}" in config}
    src, dst = (peer, current) if direction in ("pull", "two-way") else (current, peer)
    src_alias, dst_alias = (
        (config["cluster_name"], config["current_cluster_name"])
        if direction in ("pull", "two-way")
        else (config["current_cluster_name"], config["cluster_name"])
    )
    out["source.cluster.alias"] = str(src_alias)
    out["target.cluster.alias"] = str(dst_alias)
    for side, values in (("source", src), ("target", dst)):
        for key, value in values.items():
            if value not in (None, "") or (key == _TLS[1] and value == ""):
                out[f"{side}.cluster.{key}"] = value
    if config.get("topics_regex"):
        if config.get("topics"):
            raise ConfigError("give topics or topics_regex, not both", key="topics_regex")
        out["topics"] = [str(config["topics_regex"])]
    out["replication.policy.class"] = "default" if rename else "identity"
    out["provenance.header.enabled"] = provenance
    if config.get("topics_mapping"):
        out["topics.mapping"] = config["topics_mapping"]
    if config.get("task_num") not in (None, ""):
        # Huawei runs task_num tasks per direction: two-way doubles them
        try:
            tasks = int(config["task_num"])
        except ValueError as exc:
            raise ConfigError(
                f"expected a number, got {config['task_num']!r}", key="task_num"
            ) from exc
        if tasks < 1:
            raise ConfigError("must be at least 1", key="task_num")
        out["tasks.max"] = tasks * (2 if direction == "two-way" else 1)
    elif direction == "two-way":
        out["tasks.max"] = 2
    if config.get("replication_factor") not in (None, ""):
        out["replication.factor"] = config["replication_factor"]
        out["offset-syncs.topic.replication.factor"] = config["replication_factor"]
        out["checkpoints.topic.replication.factor"] = config["replication_factor"]
    out["consumer.auto.offset.reset"] = _choice(
        config, "consumer_strategy", "earliest", ("earliest", "latest")
    )
    if config.get("compression_type") not in (None, ""):
        out["compression.type"] = _choice(
            config, "compression_type", "none", ("none", "gzip", "snappy", "lz4", "zstd")
        )
    out[DIRECTION_KEY] = "two-way" if direction == "two-way" else "one-way"
    out[SYNC_OFFSETS_KEY] = _flag(config, "sync_consumer_offsets_enabled", False)
    return out


def reverse_flow(config: Mapping[str, Any]) -> dict[str, Any]:
    """The same config with source and target swapped (the second flow of two-way)."""
    out = {
        k: v for k, v in config.items() if not k.startswith(("source.cluster.", "target.cluster."))
    }
    for key, value in config.items():
        if key.startswith("source.cluster."):
            out["target.cluster." + key[len("source.cluster.") :]] = value
        elif key.startswith("target.cluster."):
            out["source.cluster." + key[len("target.cluster.") :]] = value
    mapping = config.get("topics.mapping")
    if mapping:
        pairs = mapping if isinstance(mapping, list) else str(mapping).split(",")
        out["topics.mapping"] = [
            f"{d.strip()}:{s.strip()}" for s, _, d in (p.partition(":") for p in pairs)
        ]
    return out


class ReplicatorConfig(MirrorSourceConfig):
    """``mirror-source`` keys plus the replicator's flow layout (set by ``normalize``)."""

    direction: Literal["one-way", "two-way"] = Field("one-way", alias=DIRECTION_KEY)
    sync_offsets: bool = Field(False, alias=SYNC_OFFSETS_KEY)

    @model_validator(mode="after")
    def _no_loops(self) -> Self:
        if (
            self.direction == "two-way"
            and (self.policy_class == "identity" or self.topics_mapping)
            and not self.provenance_header
        ):
            raise ValueError(
                "two-way replication without renamed topics (identity policy or "
                "topics.mapping) needs provenance.header.enabled, or records would loop"
            )
        return self


class KafkaReplicatorConnector(SourceConnector):
    """Huawei Smart Connect's Kafka replication task on top of the mirror connectors."""

    config_model = ReplicatorConfig
    version = VERSION
    aliases = ("KafkaReplicatorConnector", "kafka_replicator", "KAFKA_REPLICATOR_SOURCE")

    @classmethod
    def normalize(cls, config: Mapping[str, Any]) -> dict[str, Any]:
        return normalize_huawei(config)

    async def start(self, config: Mapping[str, Any]) -> None:
        self.config = dict(config)
        self.settings = ReplicatorConfig.model_validate(self.config)

    def task_class(self) -> type[SourceTask]:
        return ReplicatorTask

    def flows(self) -> list[dict[str, Any]]:
        """The mirror-source config of each flow."""
        first = dict(self.config)
        if self.settings.direction == "two-way":
            return [first, reverse_flow(first)]
        return [first]

    def task_configs(self, max_tasks: int) -> list[dict[str, Any]]:
        flows = self.flows()
        per_flow = max(1, max_tasks // len(flows))
        out: list[dict[str, Any]] = []
        for flow in flows:
            settings = MirrorSourceConfig.model_validate(flow)
            overrides = {
                f"producer.override.{k}": v
                for k, v in target_producer_settings(flow, settings).items()
            }
            base = {
                **flow,
                **overrides,
                "key.converter": "bytes",
                "value.converter": "bytes",
                TASK_COUNT_KEY: per_flow,
                # the flow's first task also translates group offsets (same target)
                ROLE_KEY: "source",
            }
            for i in range(per_flow):
                task = dict(base)
                if i == 0 and self.settings.sync_offsets:
                    task[ROLE_KEY] = "source+checkpoint"
                    task["sync.group.offsets.enabled"] = True
                task[FLOW_TASK_KEY] = i
                out.append(task)
        return out

    def producer_overrides(self) -> dict[str, Any]:
        # each task config carries its own flow's target (``producer.override.*``)
        return {}


class ReplicatorTask(SourceTask):
    """Runs one flow's share of mirroring (and, for its first task, checkpointing).

    Task ids count across flows; the mirror-source share is this task's index within
    its flow, kept in ``replicator.flow.task``.
    """

    version = VERSION

    async def start(self, config: Mapping[str, Any]) -> None:
        role = str(config.get(ROLE_KEY, "source"))
        self.mirror = MirrorSourceTask()
        self.checkpoint: MirrorCheckpointTask | None = None
        context = _FlowContext(self.context, int(config.get(FLOW_TASK_KEY, 0)))
        self.mirror.initialize(context)
        await self.mirror.start(config)
        if "checkpoint" in role:
            self.checkpoint = MirrorCheckpointTask(embedded=True)
            self.checkpoint.initialize(context)
            try:
                await self.checkpoint.start(config)
            except BaseException:
                await self.mirror.stop()
                raise

    async def poll(self) -> list[Polled]:
        records = await self.mirror.poll()
        if self.checkpoint is not None:
            records += await self.checkpoint.poll()
        return records

    async def commit(self) -> None:
        await self.mirror.commit()

    async def stop(self) -> None:
        try:
            if getattr(self, "checkpoint", None) is not None:
                await self.checkpoint.stop()  # type: ignore[union-attr]
        finally:
            if getattr(self, "mirror", None) is not None:
                await self.mirror.stop()


class _FlowContext(SourceTaskContext):
    """The runtime's context, with the task's index inside its flow as ``task_id``."""

    def __init__(self, inner: SourceTaskContext, flow_task: int) -> None:
        self._inner = inner
        self._flow_task = flow_task

    @property
    def connector_name(self) -> str:
        return self._inner.connector_name

    @property
    def task_id(self) -> int:
        return self._flow_task

    def offset(self, partition: Mapping[str, Any]) -> Mapping[str, Any] | None:
        return self._inner.offset(partition)
