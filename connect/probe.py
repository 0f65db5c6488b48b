"""Is Kafka there? One bounded check before a worker or the demo starts, for a clear error."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Mapping
from typing import Any

from connect.api.kafka import describe
from connect.kafka import KafkaClients

__all__ = ["describe", "reach_kafka"]


@contextlib.contextmanager
def _quiet(name: str) -> Iterator[None]:
    """The library's own error lines would repeat what the caller says in one line."""
    logger = logging.getLogger(name)
    before = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(before)


async def reach_kafka(clients: KafkaClients | Mapping[str, Any]) -> str | None:
    """``None`` when the cluster answers a metadata request, else why not (one line)."""
    if not isinstance(clients, KafkaClients):
        clients = KafkaClients(dict(clients))
    admin = clients.admin()
    with _quiet("aiokafka"):
        try:
            await admin.start()
            await admin.describe_cluster()
        except Exception as exc:  # any failure to talk to Kafka is the same answer to a user
            # a refused login or certificate says so, rather than "Unable to bootstrap"
            return describe(await clients.explain(exc, clients.bootstrap))
        finally:
            with contextlib.suppress(Exception):
                await admin.close()
    return None
