"""The connectors list at 500 connectors: one expanded request, rendered fast, broken
ones first, filter instant. The herder here is the in-memory one of the REST shape tests
(the page is under test, not the worker); the REST server and the browser are real."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import pytest

from connect.rest.server import RestServer
from connect.status import State
from tests.browser.conftest import WIDE
from tests.unit.rest.fake_herder import FakeHerder

pytestmark = [pytest.mark.browser]

COUNT = 500


def expect(locator):  # type: ignore[no-untyped-def]
    from playwright.async_api import expect as pw_expect

    return pw_expect(locator)


async def test_list_of_500_is_one_request_and_shows_broken_first(browser: Any) -> None:
    herder = FakeHerder()
    for i in range(COUNT):
        conn = herder.add(f"conn-{i:03d}", {"connector.class": "datagen", "kafka.topic": "t"}, 3)
        if i % 100 == 7:
            conn.tasks[1] = State.FAILED  # DEGRADED
        if i % 100 == 42:
            conn.state = State.FAILED
    server = RestServer(herder, listeners="http://127.0.0.1:0")
    await server.start()
    context = await browser.new_context(viewport=WIDE)
    try:
        page = await context.new_page()
        calls: list[str] = []

        def api_call(request: Any) -> None:
            if urlsplit(request.url).path.startswith("/connectors"):
                calls.append(request.url)

        page.on("request", api_call)
        started = time.monotonic()
        await page.goto(f"{server.url}/ui/#/connectors")
        await expect(page.locator("#count")).to_have_text(f"{COUNT} of {COUNT}")
        elapsed = time.monotonic() - started
        assert elapsed < 5, f"500 connectors took {elapsed:.1f}s to show"
        assert len(calls) == 1 and "expand=status&expand=info" in calls[0], calls

        rows = page.locator("#connectors tbody tr")
        words = [await rows.nth(i).locator(".badge").inner_text() for i in range(11)]
        assert words[:5] == ["FAILED"] * 5 and words[5:10] == ["DEGRADED"] * 5, words
        assert words[10] == "HEALTHY"

        started = time.monotonic()
        await page.fill("#filter", "conn-123")
        await expect(page.locator("#count")).to_have_text(f"1 of {COUNT}")
        assert time.monotonic() - started < 2
        await page.fill("#filter", "degraded")
        await expect(page.locator("#count")).to_have_text(f"5 of {COUNT}")
    finally:
        await context.close()
        await server.stop()
