"""Replication policies, topic filters and cycle detection."""

from __future__ import annotations

import pytest

from connectors.kafka_mirror.policy import (
    ReplicationPolicy,
    TopicFilter,
    checkpoints_topic,
    is_internal,
    offset_syncs_topic,
    parse_mapping,
    policy_kind,
)


def test_default_policy_prefixes_the_source_alias() -> None:
    policy = ReplicationPolicy("default")
    assert policy.remote_topic("us", "orders") == "us.orders"
    assert policy.topic_source("us.orders") == "us"
    assert policy.upstream_topic("us.orders") == "orders"
    assert policy.topic_source("orders") is None


def test_custom_separator() -> None:
    policy = ReplicationPolicy("default", separator="_")
    assert policy.remote_topic("a", "t") == "a_t"
    assert policy.topic_source("a_t") == "a"


def test_identity_policy_keeps_names() -> None:
    policy = ReplicationPolicy("identity")
    assert policy.remote_topic("us", "orders") == "orders"
    assert policy.topic_source("orders") is None


def test_mapping_wins_over_the_policy() -> None:
    policy = ReplicationPolicy("default", mapping=parse_mapping(["orders:orders-copy"]))
    assert policy.remote_topic("us", "orders") == "orders-copy"
    assert policy.remote_topic("us", "other") == "us.other"
    assert policy.upstream_topic("orders-copy") == "orders"


@pytest.mark.parametrize("bad", [["nocolon"], [":x"], ["x:"], ["a:b", "a:c"], ["a:x", "b:x"]])
def test_bad_mappings_are_refused(bad: list[str]) -> None:
    with pytest.raises(ValueError, match=r"topics\.mapping"):
        parse_mapping(bad)


def test_policy_names_include_mirrormaker_classes() -> None:
    assert policy_kind("org.apache.kafka.connect.mirror.IdentityReplicationPolicy") == "identity"
    assert policy_kind("DEFAULT") == "default"
    with pytest.raises(ValueError, match="unknown replication policy"):
        policy_kind("fancy")


def test_cycles_are_detected_through_hops() -> None:
    policy = ReplicationPolicy("default")
    assert policy.is_cycle("b.orders", "b")
    assert policy.is_cycle("a.b.orders", "b")
    assert not policy.is_cycle("a.orders", "b")
    assert not policy.is_cycle("orders", "b")


def test_filter_include_exclude_and_internal_topics() -> None:
    policy = ReplicationPolicy("default")
    flt = TopicFilter(("orders.*", "payments"), ("orders-test",))
    assert flt.should_replicate("orders-eu", policy, "b")
    assert flt.should_replicate("payments", policy, "b")
    assert not flt.should_replicate("orders-test", policy, "b")
    assert not flt.should_replicate("paymentsx", policy, "b")  # full match only
    assert not flt.should_replicate("__consumer_offsets", policy, "b")
    assert not flt.should_replicate("a.checkpoints.internal", policy, "b")
    assert not flt.should_replicate(offset_syncs_topic("b"), policy, "b")
    assert flt.should_replicate("heartbeats", policy, "b")  # always, for lag
    assert not flt.should_replicate("b.heartbeats", policy, "b")  # but never back


def test_internal_names() -> None:
    assert is_internal("connect-offsets")
    assert is_internal("x-internal")
    assert checkpoints_topic("a") == "a.checkpoints.internal"
    assert offset_syncs_topic("b") == "mm2-offset-syncs.b.internal"
    assert not is_internal("orders")


def test_internal_topic_names_follow_the_separator_as_mm2s_do() -> None:
    policy = ReplicationPolicy("default", "_")
    assert policy.offset_syncs_topic("b") == "mm2-offset-syncs_b_internal"
    assert policy.checkpoints_topic("a") == "a_checkpoints_internal"
    assert not TopicFilter().should_replicate("mm2-offsets_a_internal", policy, "b")
    legacy = ReplicationPolicy("default", "_", internal_separator_enabled=False)
    assert legacy.offset_syncs_topic("b") == "mm2-offset-syncs.b.internal"
    assert legacy.checkpoints_topic("a") == "a.checkpoints.internal"
    assert ReplicationPolicy("identity").checkpoints_topic("a") == "a.checkpoints.internal"
