"""Mirror connector configs: MirrorMaker 2's keys, defaults and refusals."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from connectors.kafka_mirror.config import MirrorCheckpointConfig, MirrorSourceConfig
from connectors.kafka_mirror.source import MirrorSourceConnector

BASE = {
    "connector.class": "mirror-source",
    "source.cluster.alias": "a",
    "target.cluster.alias": "b",
    "source.cluster.bootstrap.servers": "a:9092",
    "target.cluster.bootstrap.servers": "b:9092",
}


def test_defaults_follow_mirrormaker() -> None:
    c = MirrorSourceConfig.model_validate(BASE)
    assert c.policy.remote_topic("a", "t") == "a.t"
    assert c.offset_lag_max == 100
    assert c.auto_offset_reset == "earliest"
    assert c.topic_filter.should_replicate("orders", c.policy, "b")
    assert not c.topic_filter.should_replicate("x.replica", c.policy, "b")


def test_lists_and_mapping_from_strings() -> None:
    c = MirrorSourceConfig.model_validate(
        {
            **BASE,
            "topics": "orders, pay.*",
            "topics.mapping": "orders:o2",
            "compression.type": "ZSTD",
        }
    )
    assert c.topics == ["orders", "pay.*"]
    assert c.policy.remote_topic("a", "orders") == "o2"
    assert c.compression == "zstd"


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ({"replication.policy.class": "mine"}, "replication.policy.class"),
        ({"topics": "(("}, "topics"),
        ({"topics.mapping": "nocolon"}, "topics.mapping"),
        ({"compression.type": "brotli"}, "compression.type"),
        ({"source.cluster.security.protocol": "SASL_SSL"}, "sasl"),
        ({"target.cluster.alias": "a"}, "must differ"),
    ],
)
def test_invalid_configs_name_the_key(extra: dict[str, Any], key: str) -> None:
    with pytest.raises(ValidationError, match=key.replace(".", r"\.")):
        MirrorSourceConfig.model_validate({**BASE, **extra})


def test_missing_bootstrap_is_refused() -> None:
    config = {k: v for k, v in BASE.items() if k != "target.cluster.bootstrap.servers"}
    with pytest.raises(ValidationError, match=r"target\.cluster\.bootstrap\.servers"):
        MirrorSourceConfig.model_validate(config)


async def test_connector_splits_tasks_and_points_the_producer_at_the_target() -> None:
    connector = MirrorSourceConnector()
    await connector.start(
        {
            **BASE,
            "target.cluster.security.protocol": "SASL_SSL",
            "target.cluster.sasl.mechanism": "SCRAM-SHA-512",
            "target.cluster.sasl.username": "u",
            "target.cluster.sasl.password": "p",
            "compression.type": "lz4",
        }
    )
    tasks = connector.task_configs(3)
    assert len(tasks) == 3
    assert all(t["key.converter"] == "bytes" and t["mirror.task.count"] == 3 for t in tasks)
    overrides = connector.producer_overrides()
    assert overrides["bootstrap.servers"] == "b:9092"
    assert overrides["security.protocol"] == "SASL_SSL"
    assert overrides["sasl.password"] == "p"
    assert overrides["compression.type"] == "lz4"


def test_secrets_are_masked_in_the_model() -> None:
    c = MirrorSourceConfig.model_validate({**BASE, "source.cluster.sasl.password": "hunter2"})
    assert "hunter2" not in repr(c)


def test_checkpoint_defaults() -> None:
    c = MirrorCheckpointConfig.model_validate({**BASE, "groups": "orders-.*"})
    assert c.group_filter.matches("orders-app")
    assert not c.group_filter.matches("connect-x")
    assert not c.sync_group_offsets
