"""A real worker (StandaloneHerder + RestServer on the test broker) and Debian's chromium.

Chromium is the distribution's ``/usr/bin/chromium`` driven by Playwright for Python;
no browser is ever downloaded (``playwright install`` is never run). Screenshots of each
step go to ``test-artifacts/browser/<test>/`` (git-ignored), kept after the run.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from connect.herder.standalone import StandaloneHerder
from connect.rest.server import RestServer
from tests.helpers.kafka import SESSION_MS

CHROMIUM = os.environ.get("SMART_CONNECT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
WIDE = {"width": 1280, "height": 800}
NARROW = {"width": 390, "height": 844}

pytestmark = [pytest.mark.browser, pytest.mark.kafka]


def _need_chromium() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    playwright_api = pytest.importorskip("playwright.async_api")
    _need_chromium()
    async with playwright_api.async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


def worker_config(bootstrap: str, unique: str, **extra: Any) -> dict[str, Any]:
    return {
        "bootstrap.servers": bootstrap,
        "offset.storage.topic": f"offsets-{unique}",
        "offset.storage.partitions": 1,
        "offset.storage.replication.factor": 1,
        "offset.flush.interval.ms": 200,
        # a failed task stays FAILED until restarted from the page
        "task.restart.backoff.initial.ms": 600_000,
        "task.restart.backoff.max.ms": 600_000,
        "task.shutdown.graceful.timeout.ms": 2_000,
        "listeners": "http://127.0.0.1:0",
        "consumer.session.timeout.ms": SESSION_MS,
        "consumer.heartbeat.interval.ms": 100,
        **extra,
    }


@dataclass
class Console:
    """The worker, its URL, a REST client, and one browser page on the console."""

    herder: StandaloneHerder
    url: str
    http: httpx.AsyncClient
    page: Any
    shots: Path
    taken: list[Path] = field(default_factory=list)

    async def open(self, route: str = "connectors") -> None:
        await self.page.goto(f"{self.url}/ui/#/{route}")
        await self.page.wait_for_selector("body[data-ready]")

    async def shot(self, step: str) -> Path:
        path = self.shots / f"{len(self.taken) + 1:02d}-{re.sub(r'[^a-z0-9-]+', '-', step)}.png"
        await self.page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        return path


async def open_console(
    browser: Any, request: pytest.FixtureRequest, config: dict[str, Any], viewport: dict[str, int]
) -> AsyncIterator[Console]:
    shots = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    async with StandaloneHerder.running(config) as herder:
        server = RestServer(herder, herder.config)
        await server.start()
        context = await browser.new_context(viewport=viewport)
        page = await context.new_page()
        page.set_default_timeout(30_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        try:
            async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
                yield Console(herder, server.url, http, page, shots)
            assert not errors, f"JavaScript errors on the page: {errors}"
        finally:
            await context.close()
            await server.stop()


@pytest.fixture
async def console(
    browser: Any, request: pytest.FixtureRequest, kafka_bootstrap: str, unique: str
) -> AsyncIterator[Console]:
    """A writable console at 1280x800."""
    async for c in open_console(browser, request, worker_config(kafka_bootstrap, unique), WIDE):
        yield c
