"""Huawei Smart Connect replication keys mapped onto the mirror connectors."""

from __future__ import annotations

from typing import Any

import pytest

from connect.api import ConfigError
from connectors.kafka_mirror.huawei import KafkaReplicatorConnector, ReplicatorConfig

HUAWEI: dict[str, Any] = {
    "connector.class": "kafka-replicator",
    "current_cluster_name": "dc1",
    "current_bootstrap_servers": "current:9092",
    "cluster_name": "dc2",
    "bootstrap_servers": "peer:9092",
    "security_protocol": "SASL_SSL",
    "sasl_mechanism": "SCRAM-SHA-512",
    "user_name": "repl",
    "password": "secret",
    "direction": "pull",
    "topics": "orders,payments",
    "task_num": "2",
    "rename_topic_enabled": "true",
    "provenance_header_enabled": "false",
    "sync_consumer_offsets_enabled": "true",
    "replication_factor": "3",
    "consumer_strategy": "latest",
    "compression_type": "lz4",
}


def normalized(**changes: Any) -> dict[str, Any]:
    return KafkaReplicatorConnector.normalize({**HUAWEI, **changes})


def test_pull_reads_the_peer_into_the_current_instance() -> None:
    c = normalized()
    assert c["source.cluster.alias"] == "dc2"
    assert c["source.cluster.bootstrap.servers"] == "peer:9092"
    assert c["source.cluster.sasl.username"] == "repl"
    assert c["source.cluster.security.protocol"] == "SASL_SSL"
    assert c["target.cluster.alias"] == "dc1"
    assert c["target.cluster.bootstrap.servers"] == "current:9092"
    assert c["replication.policy.class"] == "default"
    assert c["consumer.auto.offset.reset"] == "latest"
    assert c["compression.type"] == "lz4"
    assert c["tasks.max"] == 2
    settings = ReplicatorConfig.model_validate(c)
    assert settings.policy.remote_topic("dc2", "orders") == "dc2.orders"
    assert settings.topics == ["orders", "payments"]


def test_push_writes_the_current_instance_to_the_peer() -> None:
    c = normalized(direction="push", rename_topic_enabled=False)
    assert c["source.cluster.alias"] == "dc1"
    assert c["target.cluster.bootstrap.servers"] == "peer:9092"
    assert c["replication.policy.class"] == "identity"


async def test_two_way_runs_both_flows_with_their_own_targets() -> None:
    c = normalized(direction="two-way")
    assert c["tasks.max"] == 4  # task_num per direction
    connector = KafkaReplicatorConnector()
    await connector.start(c)
    tasks = connector.task_configs(4)
    assert len(tasks) == 4
    targets = [t["producer.override.bootstrap.servers"] for t in tasks]
    assert targets == ["current:9092", "current:9092", "peer:9092", "peer:9092"]
    assert [t["replicator.role"] for t in tasks] == [
        "source+checkpoint",
        "source",
        "source+checkpoint",
        "source",
    ]
    assert [t["replicator.flow.task"] for t in tasks] == [0, 1, 0, 1]
    assert tasks[2]["source.cluster.alias"] == "dc1"
    assert tasks[2]["producer.override.sasl.password"] == "secret"
    assert connector.producer_overrides() == {}


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"direction": "two-way", "rename_topic_enabled": "false"}, "provenance_header_enabled"),
        ({"direction": "two-way", "topics_mapping": "a:b"}, "provenance_header_enabled"),
        ({"direction": "sideways"}, "direction"),
        ({"consumer_strategy": "middle"}, "consumer_strategy"),
        ({"current_bootstrap_servers": ""}, "current_bootstrap_servers"),
        ({"cluster_name": None}, "cluster_name"),
        ({"task_num": "x"}, "task_num"),
        ({"rename_topic_enabled": "maybe"}, "rename_topic_enabled"),
        ({"topics_regex": "o.*"}, "topics_regex"),
    ],
)
def test_refusals_name_the_huawei_key(changes: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as info:
        normalized(**changes)
    assert info.value.key == key


def test_two_way_identity_with_provenance_is_accepted() -> None:
    c = normalized(
        direction="two-way", rename_topic_enabled="false", provenance_header_enabled="true"
    )
    assert ReplicatorConfig.model_validate(c).provenance_header


def test_regex_topics_become_a_pattern() -> None:
    c = normalized(topics=None, topics_regex="ord.*")
    assert c["topics"] == ["ord.*"]


def test_mirrormaker_keys_pass_through_untouched() -> None:
    mm2 = {"connector.class": "kafka-replicator", "source.cluster.bootstrap.servers": "x:1"}
    assert KafkaReplicatorConnector.normalize(mm2) == mm2


def test_plugins_load_by_their_entry_point_names() -> None:
    from connect.plugins import PluginRegistry

    registry = PluginRegistry()
    for name in ("mirror-source", "mirror-checkpoint", "mirror-heartbeat", "kafka-replicator"):
        assert registry.connector(name) is not None
