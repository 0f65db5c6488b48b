"""Shared fixtures: brokers, S3 server, and a unique name per test."""

from __future__ import annotations

import uuid

import pytest

from tests.fixtures.kafka import (
    apache_clusters,
    apache_kafka_factory,
    either_on_tansu,
    kafka_bootstrap,
    kafka_jars,
    kafka_target_bootstrap,
    on_tansu,
    sasl_ssl_kafka,
)
from tests.fixtures.s3 import s3_server

__all__ = [
    "apache_clusters",
    "apache_kafka_factory",
    "either_on_tansu",
    "kafka_bootstrap",
    "kafka_jars",
    "kafka_target_bootstrap",
    "on_tansu",
    "s3_server",
    "sasl_ssl_kafka",
]


@pytest.fixture
def unique(request: pytest.FixtureRequest) -> str:
    """A name no other test uses (topics, groups, task names)."""
    base = request.node.name.split("[")[0].replace("test_", "")[:30]
    return f"{base}-{uuid.uuid4().hex[:8]}".replace("_", "-")
