"""The console's Cluster view in a real browser, through the worker's admin client: nodes,
a topic created with a config, partitions added, configs updated, the topic deleted with
a typed confirmation; a consumer group's lag going to 0 as a sink catches up; a partition
reassigned across three Apache Kafka brokers. Where the broker lacks an API (Tansu) the
page must say so next to the action."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from connect.broker.apache import ApacheKafka
from tests.browser.conftest import WIDE, Console, open_console, worker_config
from tests.helpers.kafka import create_topic
from tests.helpers.wait import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.kafka]


def expect(locator):  # type: ignore[no-untyped-def]
    from playwright.async_api import expect as pw_expect

    return pw_expect(locator)


async def _topics(bootstrap: str) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return list(await admin.list_topics())
    finally:
        await admin.close()


async def _produce_one_by_one(bootstrap: str, topic: str, count: int, start: int = 0) -> None:
    """One batch per record, so every broker's end offset is the exact record count."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for i in range(start, start + count):
            await producer.send_and_wait(topic, f"v{i}".encode(), partition=0)
    finally:
        await producer.stop()


async def test_nodes(console: Console, kafka_bootstrap: str) -> None:
    await console.open("cluster/worker/nodes")
    port = kafka_bootstrap.rsplit(":", 1)[1]
    await expect(console.page.locator("#nodes tbody")).to_contain_text(f":{port}")
    await expect(console.page.locator("#nodes tbody")).to_contain_text("controller")
    await console.shot("nodes")


async def test_topic_create_with_config_add_partitions_delete(
    console: Console, kafka_bootstrap: str, unique: str, on_tansu: bool
) -> None:
    topic = f"ui-{unique}"
    page = console.page
    await console.open("cluster/worker/topics")
    await page.fill("#new-topic-name", topic)
    await page.fill("#new-topic-partitions", "1")
    await page.fill("#new-topic-configs", "retention.ms=3600000")
    await console.shot("create form")
    await page.click("#create-topic-submit")
    await expect(page.locator("#partitions tbody tr")).to_have_count(1)
    row = page.locator("#topic-configs tr[data-config='retention.ms']")
    await expect(row).to_contain_text("3600000")
    if not on_tansu:  # Tansu reports explicitly set configs as defaults (TANSU.md)
        await expect(row.locator(".badge")).to_have_text("set")
    assert topic in await _topics(kafka_bootstrap)
    await console.shot("created with a config")

    # creating it again: the broker's refusal, as it said it, next to the form
    await console.open("cluster/worker/topics")
    await page.fill("#new-topic-name", topic)
    await page.click("#create-topic-submit")
    await expect(page.locator("#create-topic-error")).to_contain_text("TopicAlreadyExistsError")
    await console.shot("duplicate refused by the broker")
    await page.click(f"#topics-table tr[data-topic='{topic}'] a")

    await page.fill("#config-set", "retention.ms=7200000")
    await page.click("#update-configs")
    await expect(row).to_contain_text("7200000")
    await console.shot("config updated")
    if not on_tansu:  # Tansu stores configs without checking them (TANSU.md)
        await page.fill("#config-set", "retention.ms=not-a-number")
        await page.click("#update-configs")
        refusal = page.locator("#topic-actions .act:has(#update-configs) .error")
        await expect(refusal).to_contain_text("Update configs of")
        await expect(refusal).to_contain_text("InvalidConfig")
        await console.shot("invalid config refused as the broker said it")

    await page.fill("#partition-count", "3")
    await page.click("#add-partitions")
    if on_tansu:
        message = page.locator("#topic-actions .act:has(#add-partitions) .error")
        await expect(message).to_contain_text("does not support the CreatePartitions API")
        await console.shot("add partitions unsupported on this broker")
        await expect(page.locator("#sizes-note")).to_contain_text("DescribeLogDirs")
        await page.click("#reassign-submit")
        moved = page.locator("#topic-actions .act:has(#reassign-submit) .error")
        await expect(moved).to_contain_text("does not support the AlterPartitionReassignments")
    else:
        await expect(page.locator("#partitions tbody tr")).to_have_count(3)
        await expect(page.locator("#partitions tr[data-partition='0'] td").nth(6)).to_have_text(
            "0 B"
        )
        await expect(page.locator("#sizes-note")).to_have_count(0)
        await console.shot("three partitions")

    await page.click("#delete-topic")
    dialog = page.locator("#confirm")
    await expect(dialog).to_be_visible()
    await expect(page.locator("#confirm-ok")).to_be_disabled()
    await page.fill("#confirm-type", topic)
    await console.shot("delete confirmation typed")
    await page.click("#confirm-ok")
    await expect(page.locator("#topics-table")).to_be_visible()
    await wait_until(lambda: _gone(kafka_bootstrap, topic), timeout=30, message=f"{topic} deleted")
    await expect(page.locator(f"#topics-table tr[data-topic='{topic}']")).to_have_count(0)
    await console.shot("deleted")


async def _gone(bootstrap: str, topic: str) -> bool:
    return topic not in await _topics(bootstrap)


async def test_group_lag_goes_to_zero_as_a_sink_catches_up(
    console: Console, kafka_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    topic, name = f"t-{unique}", f"sink-{unique}"
    out = tmp_path / "out.txt"
    await create_topic(kafka_bootstrap, topic)
    await _produce_one_by_one(kafka_bootstrap, topic, 5)
    config = {
        "connector.class": "file-sink",
        "topics": topic,
        "file": str(out),
        "key.converter": "string",
        "value.converter": "string",
    }
    r = await console.http.post("/connectors", json={"name": name, "config": config})
    assert r.status_code == 201, r.text
    page = console.page
    await wait_until(
        lambda: out.exists() and len(out.read_text().splitlines()) == 5, message="5 lines"
    )
    await console.open(f"cluster/worker/groups/connect-{name}")
    lag = page.locator("#group-lag")
    await expect(lag).to_have_text("0", timeout=30_000)
    await expect(page.locator(f"#group-offsets tr[data-tp='{topic}-0'] td").nth(2)).to_have_text(
        "5"
    )
    await console.shot("caught up at 5")
    assert (await console.http.put(f"/connectors/{name}/pause")).status_code == 202
    await wait_until(lambda: _state(console, name, "PAUSED"), message=f"{name} paused", timeout=30)
    await _produce_one_by_one(kafka_bootstrap, topic, 20, start=5)
    await expect(lag).to_have_text("20", timeout=30_000)
    await expect(page.locator(f"#group-offsets tr[data-tp='{topic}-0'] .lag")).to_have_text("20")
    await console.shot("lag 20 while paused")
    assert (await console.http.put(f"/connectors/{name}/resume")).status_code == 202
    await expect(lag).to_have_text("0", timeout=30_000)
    await console.shot("caught up, lag 0")
    assert len(out.read_text().splitlines()) == 25

    await console.open("cluster/worker/groups")
    await expect(page.locator(f"#groups tr[data-group='connect-{name}']")).to_be_visible()


async def _state(console: Console, name: str, state: str) -> bool:
    body = (await console.http.get(f"/connectors/{name}/status")).json()
    return bool(body["tasks"]) and all(t["state"] == state for t in body["tasks"])


@pytest.fixture
async def three_broker_console(
    browser: Any,
    request: pytest.FixtureRequest,
    apache_kafka_factory: Callable[..., ApacheKafka],
    unique: str,
) -> AsyncIterator[tuple[Console, ApacheKafka]]:
    kafka = apache_kafka_factory(nodes=3)
    config = worker_config(kafka.bootstrap, unique)
    # a topic is usable only once every node's metadata has it: create the worker's
    # offsets topic first and wait for its leader, as a long-lived cluster would have it
    offsets = config["offset.storage.topic"]
    await create_topic(kafka.bootstrap, offsets)
    await wait_until(lambda: _has_leader(kafka.bootstrap, offsets), message=f"{offsets} leader")
    async for c in open_console(browser, request, config, WIDE):
        yield c, kafka


async def _has_leader(bootstrap: str, topic: str) -> bool:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        found = await admin.describe_topics([topic])
        return bool(found and found[0]["partitions"] and found[0]["partitions"][0]["leader"] >= 0)
    finally:
        await admin.close()


async def test_reassign_partition_on_three_brokers(
    three_broker_console: tuple[Console, ApacheKafka], unique: str
) -> None:
    console, _ = three_broker_console
    topic = f"move-{unique}"
    page = console.page
    await console.open("cluster/worker/nodes")
    await expect(page.locator("#nodes tbody tr")).to_have_count(3)
    await console.shot("three nodes")
    await console.open("cluster/worker/topics")
    await page.fill("#new-topic-name", topic)
    await page.fill("#new-topic-rf", "1")
    await page.click("#create-topic-submit")
    replicas = page.locator("#partitions tr[data-partition='0'] td:nth-child(3)")
    await expect(replicas).not_to_have_text("")
    before = int((await replicas.inner_text()).strip())
    target = 1 + before % 3
    await page.fill("#reassign", f"0: {target}")
    await console.shot("reassignment asked")
    await page.click("#reassign-submit")
    await expect(page.locator("#reassign-progress")).to_have_text(
        "Reassignment finished.", timeout=60_000
    )
    await expect(replicas).to_have_text(str(target))
    await console.shot("reassignment finished")


async def test_mirror_target_cluster_is_offered(
    console: Console, kafka_bootstrap: str, kafka_target_bootstrap: str, unique: str
) -> None:
    topic, name = f"src-{unique}", f"mirror-{unique}"
    await create_topic(kafka_bootstrap, topic)
    await create_topic(kafka_target_bootstrap, f"only-on-target-{unique}")
    config = {
        "connector.class": "mirror-source",
        "source.cluster.alias": f"a{unique[-8:]}",
        "target.cluster.alias": f"b{unique[-8:]}",
        "source.cluster.bootstrap.servers": kafka_bootstrap,
        "target.cluster.bootstrap.servers": kafka_target_bootstrap,
        "topics": topic,
    }
    r = await console.http.post("/connectors", json={"name": name, "config": config})
    assert r.status_code == 201, r.text
    page = console.page
    await console.open("cluster/worker/topics")
    picker = page.locator("#cluster-pick")
    target_id = f"{name}.target"
    await expect(picker.locator(f"option[value='{target_id}']")).to_have_text(
        f"b{unique[-8:]} ({name} target) — {kafka_target_bootstrap}"
    )
    # the source side is the worker's own cluster: offered once
    await expect(picker.locator("option")).to_have_count(2)
    await picker.select_option(target_id)
    row = page.locator(f"#topics-table tr[data-topic='only-on-target-{unique}']")
    await expect(row).to_be_visible()
    await console.shot("the mirror's target cluster")
