"""A real StandaloneHerder on the test broker, served by a real RestServer on a free port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from connect.herder.standalone import StandaloneHerder
from connect.rest.server import RestServer
from tests.helpers.kafka import SESSION_MS
from tests.helpers.wait import wait_until


@dataclass
class Rest:
    """The herder, the server's URL and a client of it."""

    herder: StandaloneHerder
    url: str
    http: httpx.AsyncClient

    async def status(self, name: str) -> dict[str, Any]:
        r = await self.http.get(f"/connectors/{name}/status")
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    async def wait_state(
        self, name: str, state: str, *, tasks: bool = True, timeout: float = 30
    ) -> dict[str, Any]:
        """Poll ``GET /connectors/{name}/status`` until the connector (and tasks) are ``state``."""

        async def reached() -> dict[str, Any] | None:
            body = await self.status(name)
            states = [body["connector"]["state"]]
            if tasks:
                if not body["tasks"]:
                    return None
                states += [t["state"] for t in body["tasks"]]
            return body if set(states) == {state} else None

        result: dict[str, Any] = await wait_until(
            reached, timeout=timeout, message=f"{name} {state}"
        )
        return result


def worker_config(bootstrap: str, unique: str) -> dict[str, Any]:
    return {
        "bootstrap.servers": bootstrap,
        "offset.storage.topic": f"offsets-{unique}",
        "offset.storage.partitions": 1,
        "offset.storage.replication.factor": 1,
        "offset.flush.interval.ms": 200,
        # a failed task stays FAILED, so restart?onlyFailed is what brings it back
        "task.restart.backoff.initial.ms": 600_000,
        "task.restart.backoff.max.ms": 600_000,
        "task.shutdown.graceful.timeout.ms": 2_000,
        "listeners": "http://127.0.0.1:0",
        # sink restarts rejoin the consumer group: keep rebalances short (see TANSU.md)
        "consumer.session.timeout.ms": SESSION_MS,
        "consumer.heartbeat.interval.ms": 100,
    }


@pytest.fixture
async def rest(kafka_bootstrap: str, unique: str) -> AsyncIterator[Rest]:
    config = worker_config(kafka_bootstrap, unique)
    async with StandaloneHerder.running(config) as herder:
        server = RestServer(herder, herder.config)
        await server.start()
        try:
            async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
                yield Rest(herder, server.url, http)
        finally:
            await server.stop()
