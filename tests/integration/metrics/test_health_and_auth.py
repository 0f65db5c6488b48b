"""``/health`` (KIP-1017) and who may read ``/metrics``, on real workers."""

from __future__ import annotations

import base64

import httpx
import pytest

from connect.config import WorkerConfig
from connect.herder.cluster import ClusterHerder
from connect.plugins import registry
from connect.rest import health
from connect.rest.server import RestServer
from tests.helpers.wait import wait_until
from tests.integration.distributed.conftest import cluster_config
from tests.integration.metrics.support import scrape, value
from tests.integration.metrics.test_worker_metrics import Running, worker

pytestmark = pytest.mark.kafka


async def test_distributed_worker_is_starting_then_healthy_then_unhealthy(
    kafka_bootstrap: str, unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = WorkerConfig.model_validate(
        {**cluster_config(kafka_bootstrap, unique), "listeners": "http://127.0.0.1:0"}
    )
    herder = ClusterHerder(config, registry())
    rest = RestServer(herder, config)
    await rest.start()
    try:
        async with httpx.AsyncClient(base_url=rest.url) as http:
            r = await http.get("/health")
            assert r.status_code == 503
            assert r.json()["status"] == "starting"
            await herder.start()
            r = await wait_until(
                lambda: _healthy(http), timeout=30, message="healthy after joining"
            )
            assert r.json()["message"]
            s = await scrape(rest.url)
            assert value(s, "kafka_connect_worker_rebalance_completed_rebalances_total") >= 1
            assert value(s, "kafka_connect_worker_rebalance_rebalancing") == 0
            # a herder that cannot answer (its lock held) is unhealthy after the timeout
            monkeypatch.setattr(health, "TIMEOUT_S", 0.5)
            async with herder._lock:
                r = await http.get("/health")
            assert r.status_code == 500
            assert r.json()["status"] == "unhealthy"
            assert (await http.get("/health")).status_code == 200
    finally:
        await herder.stop()
        await rest.stop()


async def _healthy(http: httpx.AsyncClient) -> httpx.Response | None:
    r = await http.get("/health")
    return r if r.status_code == 200 and r.json()["status"] == "healthy" else None


@pytest.mark.parametrize("metrics_auth", [True, False])
async def test_metrics_follow_rest_auth_unless_turned_off_and_health_is_open(
    kafka_bootstrap: str, unique: str, metrics_auth: bool
) -> None:
    config = worker(
        kafka_bootstrap,
        unique,
        **{"rest.auth.token": "s3cret", "metrics.auth.enabled": str(metrics_auth).lower()},
    )
    async with Running(config) as w, httpx.AsyncClient(base_url=w.url) as http:
        assert (await http.get("/health")).status_code == 200
        assert (await http.get("/connectors")).status_code == 401
        open_metrics = await http.get("/metrics")
        assert open_metrics.status_code == (401 if metrics_auth else 200)
        authed = await http.get("/metrics", headers={"Authorization": "Bearer s3cret"})
        assert authed.status_code == 200
        assert "kafka_connect_worker_connector_count 0.0" in authed.text
        basic = base64.b64encode(b"x:y").decode()
        wrong = await http.get("/metrics", headers={"Authorization": f"Basic {basic}"})
        assert wrong.status_code == (401 if metrics_auth else 200)


async def test_metrics_can_be_turned_off(kafka_bootstrap: str, unique: str) -> None:
    async with Running(worker(kafka_bootstrap, unique, **{"metrics.enabled": "false"})) as w:
        async with httpx.AsyncClient(base_url=w.url) as http:
            assert (await http.get("/metrics")).status_code == 404
            assert (await http.get("/health")).status_code == 200
        assert w.herder.worker.metrics.scope("any", 0).counter("x_total") is not None
        assert not w.herder.worker.metrics.plugins.families
