"""Safe by default, in a real browser: ui.read.only hides every action and the worker
refuses changes sent from the page; a delete needs its name typed, all by keyboard; the
layout holds at 390 px wide without horizontal scrolling."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from connect.herder.standalone import StandaloneHerder
from connect.rest.cluster import stored_config
from connect.rest.server import RestServer
from tests.browser.conftest import NARROW, WIDE, Console, open_console, worker_config
from tests.helpers.kafka import create_topic

pytestmark = [pytest.mark.browser, pytest.mark.kafka]


def expect(locator):  # type: ignore[no-untyped-def]
    from playwright.async_api import expect as pw_expect

    return pw_expect(locator)


@pytest.fixture
async def read_only_console(
    browser: Any, request: pytest.FixtureRequest, kafka_bootstrap: str, unique: str
) -> AsyncIterator[Console]:
    config = worker_config(kafka_bootstrap, unique, **{"ui.read.only": "true"})
    async for c in open_console(browser, request, config, {"width": 1280, "height": 800}):
        yield c


@pytest.fixture
async def narrow_console(
    browser: Any, request: pytest.FixtureRequest, kafka_bootstrap: str, unique: str
) -> AsyncIterator[Console]:
    async for c in open_console(browser, request, worker_config(kafka_bootstrap, unique), NARROW):
        yield c


def _sink(topic: str, path: str) -> dict[str, str]:
    return {"connector.class": "file-sink", "topics": topic, "file": path}


async def test_read_only_hides_and_refuses_every_change(
    read_only_console: Console, kafka_bootstrap: str, unique: str, tmp_path: Any
) -> None:
    console, page = read_only_console, read_only_console.page
    topic, name = f"t-{unique}", f"sink-{unique}"
    await create_topic(kafka_bootstrap, topic)
    # scripts keep the REST API; the console does not
    r = await console.http.post(
        "/connectors", json={"name": name, "config": _sink(topic, str(tmp_path / "o"))}
    )
    assert r.status_code == 201, r.text

    await console.open("connectors")
    await expect(page.locator("#mode")).to_have_text("read-only console")
    await expect(page.locator("nav a[data-nav='create']")).to_be_hidden()
    await console.open(f"connectors/{name}")
    await expect(page.locator("#connector-state")).to_have_text("connector RUNNING")
    await expect(page.locator("#actions")).to_be_hidden()
    await expect(page.locator("#edit-config")).to_be_hidden()
    await expect(page.locator("#tasks button")).to_have_count(1)
    await expect(page.locator("#tasks button")).to_be_hidden()
    await console.shot("connector page read-only")
    await console.open(f"cluster/worker/topics/{topic}")
    await expect(page.locator("#partitions")).to_be_visible()
    await expect(page.locator("#topic-actions")).to_be_hidden()
    await console.open("cluster/worker/topics")
    await expect(page.locator("#create-topic")).to_be_hidden()
    await console.shot("topics read-only")

    # even a request crafted on the page is refused by the worker
    status = await page.evaluate(
        """async (name) => (await fetch(`/connectors/${name}/pause`, {method: "PUT"})).status""",
        name,
    )
    assert status == 403
    status = await page.evaluate(
        """async () => (await fetch("/ui/api/clusters/worker/topics", {method: "POST",
             headers: {"Content-Type": "application/json"},
             body: JSON.stringify({name: "nope"})})).status"""
    )
    assert status == 403
    body = (await console.http.get(f"/connectors/{name}/status")).json()
    assert body["connector"]["state"] == "RUNNING"


async def test_no_secret_reaches_the_page(
    console: Console, kafka_bootstrap: str, unique: str
) -> None:
    name, topic = f"secret-{unique}", f"t-{unique}"
    await create_topic(kafka_bootstrap, topic)
    config = {
        "connector.class": "s3-sink",
        "topics": topic,
        "s3.bucket.name": "never-reached",
        "store.url": "http://127.0.0.1:9",
        "aws.access.key.id": "AKIA-TEST",
        "aws.secret.access.key": "hunter2-do-not-show",
    }
    r = await console.http.post("/connectors", json={"name": name, "config": config})
    assert r.status_code == 201, r.text
    await console.open(f"connectors/{name}")
    await expect(console.page.locator("#config")).to_contain_text("aws.secret.access.key")
    await console.page.click("#edit-config")
    assert "hunter2" not in await console.page.content()
    value = await console.page.input_value("#cfg-aws\\.secret\\.access\\.key")
    assert value and "hunter2" not in value
    await console.shot("secret masked")
    # saving the edit keeps the stored secret, not the mask
    await console.page.click("#save-config")
    await expect(console.page.locator("#saved")).to_be_visible()
    stored = stored_config(console.herder, name)
    assert stored is not None and stored["aws.secret.access.key"] == "hunter2-do-not-show"


async def test_delete_by_keyboard_with_typed_confirmation(
    console: Console, kafka_bootstrap: str, unique: str, tmp_path: Any
) -> None:
    topic, name = f"t-{unique}", f"sink-{unique}"
    await create_topic(kafka_bootstrap, topic)
    r = await console.http.post(
        "/connectors", json={"name": name, "config": _sink(topic, str(tmp_path / "o"))}
    )
    assert r.status_code == 201, r.text
    page = console.page
    await console.open("connectors")
    link = page.locator(f"#connectors tr[data-name='{name}'] a")
    await _tab_to(page, link)
    await page.keyboard.press("Enter")
    await expect(page.locator("h1")).to_have_text(name)
    await _tab_to(page, page.locator("#actions button:text-is('Delete')"))
    await page.keyboard.press("Enter")
    await expect(page.locator("#confirm")).to_be_visible()
    await expect(page.locator("#confirm-type")).to_be_focused()
    await page.keyboard.type(name[:-1])
    await expect(page.locator("#confirm-ok")).to_be_disabled()
    await page.keyboard.type(name[-1])
    await console.shot("typed the name")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Tab")
    await expect(page.locator("#confirm-ok")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator("h1")).to_have_text("Connectors")
    assert (await console.http.get(f"/connectors/{name}")).status_code == 404


async def _tab_to(page: Any, locator: Any, limit: int = 60) -> None:
    """Press Tab until ``locator`` has the focus: proves it is reachable by keyboard."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await locator.evaluate("(el) => el === document.activeElement"):
            return
    raise AssertionError(f"not reachable with Tab within {limit} presses: {locator}")


async def test_narrow_layout_has_no_horizontal_scroll(
    narrow_console: Console, kafka_bootstrap: str, unique: str, tmp_path: Any
) -> None:
    console, page = narrow_console, narrow_console.page
    topic, name = f"t-{unique}", f"sink-{unique}"
    await create_topic(kafka_bootstrap, topic)
    r = await console.http.post(
        "/connectors", json={"name": name, "config": _sink(topic, str(tmp_path / "o"))}
    )
    assert r.status_code == 201, r.text
    for route, ready in (
        ("connectors", f"#connectors tr[data-name='{name}']"),
        (f"connectors/{name}", "#tasks [data-task='0']"),
        ("create", "#plugin"),
        (f"cluster/worker/topics/{topic}", "#partitions"),
        ("cluster/worker/groups", "main h2"),
    ):
        await console.open(route)
        await expect(page.locator(ready)).to_be_visible()
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{route}: the page is {width} px wide at 390"
        await console.shot(f"narrow {route}")


async def test_console_is_behind_the_rest_authentication(
    browser: Any, kafka_bootstrap: str, unique: str, tmp_path: Any
) -> None:
    credentials = tmp_path / "users.txt"
    credentials.write_text("admin: s3cret-pw\n")
    config = worker_config(
        kafka_bootstrap, unique, **{"rest.auth.credentials.file": str(credentials)}
    )
    async with StandaloneHerder.running(config) as herder:
        server = RestServer(herder, herder.config)
        await server.start()
        anonymous = await browser.new_context(viewport=WIDE)
        signed_in = await browser.new_context(
            viewport=WIDE, http_credentials={"username": "admin", "password": "s3cret-pw"}
        )
        try:
            for path in ("/ui/", "/ui/static/app.js", "/ui/api/clusters"):
                response = await anonymous.request.get(f"{server.url}{path}")
                assert response.status == 401, path
            page = await anonymous.new_page()
            with pytest.raises(Exception, match="ERR_INVALID_AUTH_CREDENTIALS"):
                await page.goto(f"{server.url}/ui/")

            page = await signed_in.new_page()
            await page.goto(f"{server.url}/ui/#/cluster/worker/nodes")
            await page.wait_for_selector("body[data-ready]")
            await expect(page.locator("#nodes tbody tr")).not_to_have_count(0)
        finally:
            await anonymous.close()
            await signed_in.close()
            await server.stop()
