"""Config models of the mirror connectors, with MirrorMaker 2's key names.

Each side's connection uses the same keys behind a prefix: ``source.cluster.*`` and
``target.cluster.*`` (``bootstrap.servers``, ``security.protocol``, ``sasl.mechanism``,
``sasl.username``, ``sasl.password``, ``ssl.cafile``,
``ssl.endpoint.identification.algorithm``: empty turns hostname verification off).
"""

from __future__ import annotations

import re
from typing import Any, Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator

from connect.api import CommaList, ConnectorConfig
from connectors.kafka_mirror.clients import Cluster
from connectors.kafka_mirror.policy import (
    ReplicationPolicy,
    TopicFilter,
    parse_mapping,
    policy_kind,
)

Protocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
Mechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]
Compression = Literal["none", "gzip", "snappy", "lz4", "zstd"]

DEFAULT_TOPICS_EXCLUDE = [r".*[\-\.]internal", r".*\.replica", r"__.*"]
DEFAULT_GROUPS_EXCLUDE = [r"console-consumer-.*", r"connect-.*", r"__.*"]
PRODUCER_OVERRIDE_PREFIX = "producer.override."
TASK_COUNT_KEY = "mirror.task.count"
"""Set by the connector in every task config: how many tasks share the partitions."""


class SourceClusterConfig(ConnectorConfig):
    """Both aliases and the source cluster's connection: what every mirror connector has."""

    source_alias: str = Field("source", alias="source.cluster.alias", min_length=1)
    target_alias: str = Field("target", alias="target.cluster.alias", min_length=1)

    source_bootstrap: str = Field(alias="source.cluster.bootstrap.servers", min_length=1)
    source_protocol: Protocol = Field("PLAINTEXT", alias="source.cluster.security.protocol")
    source_mechanism: Mechanism | None = Field(None, alias="source.cluster.sasl.mechanism")
    source_username: str | None = Field(None, alias="source.cluster.sasl.username")
    source_password: SecretStr | None = Field(None, alias="source.cluster.sasl.password")
    source_cafile: str | None = Field(None, alias="source.cluster.ssl.cafile")
    source_hostname_check: str | None = Field(
        None, alias="source.cluster.ssl.endpoint.identification.algorithm"
    )

    def cluster(self, side: Literal["source", "target"] = "source") -> Cluster:
        """Alias and connection settings of one side (the target's where the config has it)."""
        settings: dict[str, Any] = {
            "bootstrap.servers": getattr(self, f"{side}_bootstrap"),
            "security.protocol": getattr(self, f"{side}_protocol"),
            "sasl.mechanism": getattr(self, f"{side}_mechanism"),
            "sasl.username": getattr(self, f"{side}_username"),
            "sasl.password": getattr(self, f"{side}_password"),
            "ssl.cafile": getattr(self, f"{side}_cafile"),
            "ssl.endpoint.identification.algorithm": getattr(self, f"{side}_hostname_check"),
        }
        alias = self.source_alias if side == "source" else self.target_alias
        return Cluster(alias, {k: v for k, v in settings.items() if v is not None})


class MirrorClustersConfig(SourceClusterConfig):
    """Both clusters of a flow and the replication policy; shared by flow connectors."""

    target_bootstrap: str = Field(alias="target.cluster.bootstrap.servers", min_length=1)
    target_protocol: Protocol = Field("PLAINTEXT", alias="target.cluster.security.protocol")
    target_mechanism: Mechanism | None = Field(None, alias="target.cluster.sasl.mechanism")
    target_username: str | None = Field(None, alias="target.cluster.sasl.username")
    target_password: SecretStr | None = Field(None, alias="target.cluster.sasl.password")
    target_cafile: str | None = Field(None, alias="target.cluster.ssl.cafile")
    target_hostname_check: str | None = Field(
        None, alias="target.cluster.ssl.endpoint.identification.algorithm"
    )

    policy_class: str = Field("default", alias="replication.policy.class")
    separator: str = Field(".", alias="replication.policy.separator", min_length=1)
    internal_separator: bool = Field(
        True, alias="replication.policy.internal.topic.separator.enabled"
    )
    topics_mapping: CommaList = Field(default_factory=list, alias="topics.mapping")

    @field_validator("policy_class")
    @classmethod
    def _known_policy(cls, value: str) -> str:
        return policy_kind(value)

    @field_validator("topics_mapping")
    @classmethod
    def _valid_mapping(cls, value: list[str]) -> list[str]:
        parse_mapping(value)
        return value

    @model_validator(mode="after")
    def _check_clusters(self) -> Self:
        if self.source_alias == self.target_alias:
            raise ValueError(
                "source.cluster.alias and target.cluster.alias must differ "
                f"(both are {self.source_alias!r})"
            )
        for side in ("source", "target"):
            protocol = getattr(self, f"{side}_protocol")
            if protocol.startswith("SASL") and not (
                getattr(self, f"{side}_mechanism")
                and getattr(self, f"{side}_username")
                and getattr(self, f"{side}_password")
            ):
                raise ValueError(
                    f"{side}.cluster.security.protocol {protocol} needs "
                    f"{side}.cluster.sasl.mechanism, .sasl.username and .sasl.password"
                )
        return self

    @property
    def policy(self) -> ReplicationPolicy:
        return ReplicationPolicy(
            self.policy_class,
            self.separator,
            parse_mapping(self.topics_mapping),
            self.internal_separator,
        )


class MirrorSourceConfig(MirrorClustersConfig):
    """``mirror-source``: which topics, how they are created and copied."""

    topics: CommaList = Field(default_factory=lambda: [".*"])
    topics_exclude: CommaList = Field(
        default_factory=lambda: list(DEFAULT_TOPICS_EXCLUDE), alias="topics.exclude"
    )
    refresh_topics_enabled: bool = Field(True, alias="refresh.topics.enabled")
    refresh_topics_interval: float = Field(600.0, gt=0, alias="refresh.topics.interval.seconds")
    replication_factor: int = Field(3, ge=1, alias="replication.factor")
    sync_topic_configs: bool = Field(True, alias="sync.topic.configs.enabled")
    provenance_header: bool = Field(False, alias="provenance.header.enabled")
    auto_offset_reset: Literal["earliest", "latest"] = Field(
        "earliest", alias="consumer.auto.offset.reset"
    )
    compression: Compression = Field("none", alias="compression.type")
    offset_lag_max: int = Field(100, ge=0, alias="offset.lag.max")
    emit_offset_syncs: bool = Field(True, alias="emit.offset-syncs.enabled")
    offset_syncs_location: Literal["source", "target"] = Field(
        "source", alias="offset-syncs.topic.location"
    )
    offset_syncs_replication_factor: int = Field(
        3, ge=1, alias="offset-syncs.topic.replication.factor"
    )
    exactly_once: Literal["enabled", "requested", "disabled"] = Field(
        "disabled", alias="exactly.once.support"
    )
    max_poll_records: int = Field(10_000, ge=1, alias="consumer.max.poll.records")
    max_partition_fetch_bytes: int = Field(
        4 * 1024 * 1024, ge=1024, alias="consumer.max.partition.fetch.bytes"
    )
    task_count: int = Field(1, ge=1, alias=TASK_COUNT_KEY)
    passthrough: bool = Field(True, alias="mirror.passthrough")
    # Kafka's default max.message.bytes is 1048588: a joined batch stays under it
    coalesce_bytes: int = Field(1024 * 1024, ge=0, alias="mirror.passthrough.coalesce.bytes")
    isolation_level: Literal["read_committed", "read_uncommitted"] | None = Field(
        None, alias="consumer.isolation.level"
    )
    takeover_topic: str | None = Field(None, alias="mirror.takeover.offsets.topic", min_length=1)
    takeover_cluster: Literal["source", "target"] = Field(
        "target", alias="mirror.takeover.offsets.cluster"
    )
    takeover_connector: str = Field(
        "MirrorSourceConnector", alias="mirror.takeover.connector.name", min_length=1
    )

    @field_validator("topics", "topics_exclude")
    @classmethod
    def _valid_patterns(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                re.compile(entry)
            except re.error as exc:
                raise ValueError(f"{entry!r} is not a valid regular expression: {exc}") from exc
        return value

    @field_validator("compression", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @property
    def topic_filter(self) -> TopicFilter:
        return TopicFilter(tuple(self.topics), tuple(self.topics_exclude))

    @property
    def read_committed(self) -> bool:
        """Whether the source is read under read_committed (always so in exactly-once mode)."""
        if self.isolation_level is not None:
            return self.isolation_level == "read_committed"
        return self.exactly_once != "disabled"


class MirrorCheckpointConfig(MirrorClustersConfig):
    """``mirror-checkpoint``: which consumer groups, how often, and whether to sync them."""

    groups: CommaList = Field(default_factory=lambda: [".*"])
    groups_exclude: CommaList = Field(
        default_factory=lambda: list(DEFAULT_GROUPS_EXCLUDE), alias="groups.exclude"
    )
    topics: CommaList = Field(default_factory=lambda: [".*"])
    topics_exclude: CommaList = Field(
        default_factory=lambda: list(DEFAULT_TOPICS_EXCLUDE), alias="topics.exclude"
    )
    emit_checkpoints: bool = Field(True, alias="emit.checkpoints.enabled")
    emit_interval: float = Field(60.0, gt=0, alias="emit.checkpoints.interval.seconds")
    sync_group_offsets: bool = Field(False, alias="sync.group.offsets.enabled")
    sync_group_interval: float = Field(60.0, gt=0, alias="sync.group.offsets.interval.seconds")
    refresh_groups_interval: float = Field(600.0, gt=0, alias="refresh.groups.interval.seconds")
    offset_syncs_location: Literal["source", "target"] = Field(
        "source", alias="offset-syncs.topic.location"
    )
    replication_factor: int = Field(3, ge=1, alias="checkpoints.topic.replication.factor")

    @property
    def group_filter(self) -> TopicFilter:
        return TopicFilter(tuple(self.groups), tuple(self.groups_exclude))

    @property
    def topic_filter(self) -> TopicFilter:
        return TopicFilter(tuple(self.topics), tuple(self.topics_exclude))


class MirrorHeartbeatConfig(SourceClusterConfig):
    """``mirror-heartbeat``: beats written to ``heartbeats`` on the source cluster.

    Only the source side's connection is needed (the heartbeats are written there and
    copied by the flow's ``mirror-source`` like any topic).
    """

    emit_interval: float = Field(1.0, gt=0, alias="emit.heartbeats.interval.seconds")
    emit_enabled: bool = Field(True, alias="emit.heartbeats.enabled")
    replication_factor: int = Field(3, ge=1, alias="heartbeats.topic.replication.factor")
