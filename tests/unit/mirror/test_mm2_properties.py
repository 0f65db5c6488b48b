"""mm2.properties (MM2 dedicated mode) → worker and connector configs, warnings, refusals."""

from __future__ import annotations

import pytest

from connect.config import WorkerConfig, parse_properties
from connectors.kafka_mirror.config import (
    MirrorCheckpointConfig,
    MirrorHeartbeatConfig,
    MirrorSourceConfig,
)
from connectors.kafka_mirror.mm2_properties import MirrorMakerConfigError, plan

# the shape of Kafka's sample connect-mirror-maker.properties, in our own words
DOCS_SAMPLE = """
# cluster aliases
clusters = A, B

A.bootstrap.servers = a1:9092, a2:9092
B.bootstrap.servers = b1:9092

A->B.enabled = true
A->B.topics = .*

B->A.enabled = true
B->A.topics = .*

replication.factor=1
checkpoints.topic.replication.factor=1
heartbeats.topic.replication.factor=1
offset-syncs.topic.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
config.storage.replication.factor=1
# replication.policy.separator = _
# sync.topic.acls.enabled = false
"""


def test_the_docs_sample_gives_two_flows_of_three_connectors_without_warnings() -> None:
    result = plan(parse_properties(DOCS_SAMPLE))
    assert result.warnings == []
    assert [f.name for f in result.flows] == ["A->B", "B->A"]
    ab = result.flows[0]
    assert sorted(ab.connectors) == [
        "A->B.MirrorCheckpointConnector",
        "A->B.MirrorHeartbeatConnector",
        "A->B.MirrorSourceConnector",
    ]
    source = MirrorSourceConfig.model_validate(ab.connectors["A->B.MirrorSourceConnector"])
    assert (source.source_alias, source.target_alias) == ("A", "B")
    assert source.source_bootstrap == "a1:9092, a2:9092"
    assert source.target_bootstrap == "b1:9092"
    assert source.replication_factor == 1 and source.offset_syncs_replication_factor == 1
    MirrorCheckpointConfig.model_validate(ab.connectors["A->B.MirrorCheckpointConnector"])
    MirrorHeartbeatConfig.model_validate(ab.connectors["A->B.MirrorHeartbeatConnector"])
    worker = WorkerConfig.model_validate(result.workers["A->B"])
    assert worker.bootstrap_servers == "b1:9092"  # the flow's target, as MM2's herder
    assert worker.offset_storage_replication_factor == 1
    assert worker.offset_storage_topic == "smart-connect-offsets.A.internal"


def test_clusters_option_keeps_the_flows_into_those_targets() -> None:
    result = plan(parse_properties(DOCS_SAMPLE), ["B"])
    assert [f.name for f in result.flows] == ["A->B"]


def test_flow_keys_override_top_level_ones() -> None:
    result = plan(
        {
            "clusters": "us, eu",
            "us.bootstrap.servers": "us:9092",
            "eu.bootstrap.servers": "eu:9092",
            "us->eu.enabled": "true",
            "us->eu.topics": "orders, payments",
            "us->eu.topics.exclude": "orders-test",
            "us->eu.groups": "billing-.*",
            "replication.policy.class": "org.apache.kafka.connect.mirror.IdentityReplicationPolicy",
            "sync.group.offsets.enabled": "true",
            "emit.checkpoints.interval.seconds": "5",
            "tasks.max": "4",
            "emit.heartbeats.enabled": "false",
            "offset.lag.max": "50",
            "us->eu.offset.lag.max": "10",
        }
    )
    assert result.warnings == []
    (flow,) = result.flows
    assert "us->eu.MirrorHeartbeatConnector" not in flow.connectors
    src = flow.connectors["us->eu.MirrorSourceConnector"]
    cp = flow.connectors["us->eu.MirrorCheckpointConnector"]
    assert src["tasks.max"] == "4" and cp["tasks.max"] == "4"
    source = MirrorSourceConfig.model_validate(src)
    assert source.topics == ["orders", "payments"] and source.topics_exclude == ["orders-test"]
    assert source.policy.kind == "identity"
    assert source.offset_lag_max == 10
    checkpoint = MirrorCheckpointConfig.model_validate(cp)
    assert checkpoint.groups == ["billing-.*"]
    assert checkpoint.sync_group_offsets and checkpoint.emit_interval == 5


def test_cluster_and_flow_client_settings() -> None:
    result = plan(
        {
            "clusters": "A, B",
            "A.bootstrap.servers": "a:9093",
            "B.bootstrap.servers": "b:9092",
            "security.protocol": "SASL_SSL",
            "sasl.mechanism": "SCRAM-SHA-512",
            "B.security.protocol": "PLAINTEXT",
            "A.sasl.jaas.config": "org.apache.kafka.common.security.scram.ScramLoginModule "
            'required username="alice" password="s3\\"cret";',
            "A.ssl.truststore.location": "/etc/ca.pem",
            "A.consumer.max.poll.records": "2000",
            "B.producer.batch.size": "65536",
            "A->B.enabled": "true",
            "A->B.producer.override.linger.ms": "20",
        }
    )
    assert result.warnings == []
    (flow,) = result.flows
    source = flow.connectors["A->B.MirrorSourceConnector"]
    assert source["source.cluster.security.protocol"] == "SASL_SSL"
    assert source["source.cluster.sasl.mechanism"] == "SCRAM-SHA-512"
    assert source["source.cluster.sasl.username"] == "alice"
    assert source["source.cluster.sasl.password"] == 's3"cret'
    assert source["source.cluster.ssl.cafile"] == "/etc/ca.pem"
    assert source["target.cluster.security.protocol"] == "PLAINTEXT"
    assert source["consumer.max.poll.records"] == "2000"
    assert source["producer.override.batch.size"] == "65536"
    assert source["producer.override.linger.ms"] == "20"
    cfg = MirrorSourceConfig.model_validate(source)
    assert cfg.source_password is not None and cfg.source_password.get_secret_value() == 's3"cret'


def test_keys_it_does_not_act_on_are_named_in_warnings() -> None:
    result = plan(
        {
            "clusters": "A, B",
            "A.bootstrap.servers": "a:9092",
            "B.bootstrap.servers": "b:9092",
            "A->B.enabled": "true",
            "sync.topic.acls.enabled": "true",
            "A.admin.request.timeout.ms": "1000",
            "A.consumer.session.timeout.ms": "30000",
            "A->B.something.else": "1",
            "C->B.enabled": "true",
        }
    )
    text = "\n".join(result.warnings)
    for key in (
        "sync.topic.acls.enabled",
        "A.admin.request.timeout.ms",
        "A.consumer.session.timeout.ms",
        "A->B.something.else",
        "C->B.enabled",
    ):
        assert key in text
    assert len(result.flows) == 1


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"A.bootstrap.servers": "a:1"}, "clusters: missing"),
        (
            {"clusters": "A, B", "A.bootstrap.servers": "a:1", "A->B.enabled": "true"},
            "B.bootstrap.servers: missing",
        ),
    ],
)
def test_refusals_say_which_key_and_why(props: dict[str, str], message: str) -> None:
    with pytest.raises(MirrorMakerConfigError, match=message):
        plan(props)


def test_unknown_target_in_clusters_option_is_refused() -> None:
    with pytest.raises(MirrorMakerConfigError, match="--clusters C: not among clusters = A, B"):
        plan(parse_properties(DOCS_SAMPLE), ["C"])


def test_disabled_flows_run_nothing() -> None:
    result = plan({"clusters": "A, B", "A.bootstrap.servers": "a:1", "B.bootstrap.servers": "b:1"})
    assert result.flows == []
