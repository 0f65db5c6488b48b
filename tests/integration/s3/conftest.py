"""Helpers for S3 sink tests through the real worker: Tansu + moto's S3 server."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.s3 import S3Server
from tests.helpers.kafka import committed
from tests.unit.s3.support import Bucket


def worker_config(bootstrap: str, **extra: Any) -> dict[str, Any]:
    return {
        "bootstrap.servers": bootstrap,
        "offset.storage.replication.factor": 1,
        "offset.storage.partitions": 1,
        "offset.flush.interval.ms": 200,
        "task.restart.backoff.initial.ms": 100,
        "task.restart.backoff.max.ms": 1000,
        **extra,
    }


@pytest.fixture
def bucket(s3_server: S3Server) -> Bucket:
    return Bucket(s3_server)


async def committed_all(bootstrap: str, name: str, topic: str, partitions: int) -> dict[int, int]:
    """The sink group's committed offset per partition (-1 when none)."""
    got = await committed(bootstrap, f"connect-{name}", [(topic, p) for p in range(partitions)])
    return {tp[1]: (-1 if off is None else off) for tp, off in got.items()}
