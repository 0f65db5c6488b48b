"""The console through any worker of a cluster: a connector created on one worker's page
is listed, shown and paused from another worker's page (two in-process ClusterHerders,
each with its own REST listener, on the test broker)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from connect.config import WorkerConfig
from connect.herder.cluster import ClusterHerder
from connect.plugins import registry
from connect.rest.server import RestServer
from tests.browser.conftest import ARTIFACTS, WIDE
from tests.helpers.kafka import create_topic
from tests.helpers.wait import wait_until
from tests.integration.distributed.conftest import cluster_config

pytestmark = [pytest.mark.browser, pytest.mark.kafka]


def expect(locator):  # type: ignore[no-untyped-def]
    from playwright.async_api import expect as pw_expect

    return pw_expect(locator)


@pytest.fixture
async def two_workers(kafka_bootstrap: str, unique: str) -> AsyncIterator[list[str]]:
    config = WorkerConfig.model_validate(
        cluster_config(kafka_bootstrap, unique, listeners="http://127.0.0.1:0")
    )
    plugins = registry()
    async with AsyncExitStack() as stack:
        urls = []
        herders = []
        for i in range(2):
            herder = ClusterHerder(config, plugins)
            server = RestServer(herder, config)
            await server.start()
            stack.push_async_callback(server.stop)
            herder.set_identity(f"worker-{i}", server.url)
            herders.append(herder)
            urls.append(server.url)
        for herder in herders:
            await herder.start()
            stack.push_async_callback(herder.stop)
        yield urls


async def test_any_worker_serves_the_same_console(
    two_workers: list[str], browser: Any, kafka_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    first, second = two_workers
    topic, name = f"t-{unique}", f"sink-{unique}"
    await create_topic(kafka_bootstrap, topic)
    shots = ARTIFACTS / "test_any_worker_serves_the_same_console"
    shots.mkdir(parents=True, exist_ok=True)
    context = await browser.new_context(viewport=WIDE)
    try:
        page = await context.new_page()
        await page.goto(f"{first}/ui/#/create")
        await page.wait_for_selector("body[data-ready]")
        task = {
            "name": name,
            "config": {
                "connector.class": "file-sink",
                "topics": topic,
                "file": str(tmp_path / "o"),
            },
        }
        await page.fill("#paste", json.dumps(task))
        await page.click("#check-paste")
        await page.click("#create-pasted")
        await expect(page.locator("h1")).to_have_text(name)
        await page.screenshot(path=str(shots / "01-created-on-worker-0.png"))

        await page.goto(f"{second}/ui/#/connectors")
        row = page.locator(f"#connectors tr[data-name='{name}']")
        await expect(row.locator(".badge")).to_have_text("HEALTHY", timeout=60_000)
        await page.screenshot(path=str(shots / "02-listed-on-worker-1.png"))
        await row.locator("a").click()
        await page.click("#actions button:text-is('Pause')")
        await expect(page.locator("#connector-state")).to_have_text(
            "connector PAUSED", timeout=30_000
        )
        await page.screenshot(path=str(shots / "03-paused-from-worker-1.png"))
    finally:
        await context.close()

    async def paused_on_first() -> bool:
        async with httpx.AsyncClient(base_url=first) as http:
            body = (await http.get(f"/connectors/{name}/status")).json()
        return bool(body.get("connector", {}).get("state") == "PAUSED")

    await wait_until(paused_on_first, message="worker 0 sees PAUSED")
