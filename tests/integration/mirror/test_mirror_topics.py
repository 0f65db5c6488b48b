"""Which topics are mirrored and under which names; new topics without a restart."""

from __future__ import annotations

import pytest

from connect.herder.standalone import StandaloneHerder
from tests.fixtures.kafka import skip_on_tansu
from tests.helpers.kafka import create_topic, produce
from tests.helpers.wait import wait_until
from tests.integration.mirror.conftest import flow, mirrored, topics_on, worker_config

pytestmark = pytest.mark.kafka


def records(n: int, tag: str) -> list[tuple[bytes, bytes]]:
    return [(f"{tag}-{i}".encode(), f"v{i}".encode()) for i in range(n)]


async def test_policies_mapping_exclude_and_new_topics(
    clusters: tuple[str, str], unique: str
) -> None:
    a, b = clusters
    kept, renamed, skipped = f"kept-{unique}", f"ren-{unique}", f"skip-{unique}"
    for topic, parts in ((kept, 3), (renamed, 2), (skipped, 1)):
        await create_topic(a, topic, parts)
        await produce(a, topic, records(50, topic))
    default_flow = flow(
        a,
        b,
        topics=f".*-{unique}",
        **{"topics.exclude": "skip-.*,__.*", "topics.mapping": f"{renamed}:renamed-{unique}"},
    )
    identity_flow = flow(a, b, "a", "b2", topics=kept, **{"replication.policy.class": "identity"})
    tasks = [
        {"name": f"def-{unique}", "config": default_flow},
        {"name": f"id-{unique}", "config": identity_flow},
    ]
    async with StandaloneHerder.running(worker_config(a), tasks):
        got = await mirrored(b, f"a.{kept}", 50)
        assert sorted(m.key for m in got) == sorted(k for k, _ in records(50, kept))
        assert len(await mirrored(b, f"renamed-{unique}", 50)) == 50
        assert len(await mirrored(b, kept, 50)) == 50  # identity: same name
        target = await topics_on(b)
        assert target[f"a.{kept}"] == 3 and target[f"renamed-{unique}"] == 2
        assert target[kept] == 3

        late = f"late-{unique}"
        await create_topic(a, late, 2)
        await produce(a, late, records(20, late))
        # refresh.topics.interval.seconds=1 in the test flow: picked up while running
        assert len(await mirrored(b, f"a.{late}", 20, timeout=20)) == 20

        topics = await topics_on(b)
        assert f"a.{skipped}" not in topics and skipped not in topics
        assert f"a.{renamed}" not in topics
        # this test's topics only: heartbeats topics of earlier tests come as a.a.… rightly
        assert not any(t.startswith("a.a.") and unique in t for t in topics)


async def test_topic_configs_are_copied(
    clusters: tuple[str, str], unique: str, either_on_tansu: bool
) -> None:
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    # topic configs are "stored, not enforced" on Tansu (TANSU.md), and DescribeConfigs v2
    # also reports the explicitly set ones as DEFAULT_CONFIG, so none look worth copying
    skip_on_tansu(either_on_tansu, "describe_configs reports set topic configs as defaults")
    a, b = clusters
    topic = f"cfg-{unique}"
    await create_topic(a, topic, 1, configs={"retention.ms": "123456"})
    await produce(a, topic, records(5, topic))
    async with StandaloneHerder.running(
        worker_config(a), [{"name": f"c-{unique}", "config": flow(a, b, topics=topic)}]
    ):
        await mirrored(b, f"a.{topic}", 5)
    admin = AIOKafkaAdminClient(bootstrap_servers=b)
    await admin.start()
    try:
        response = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, f"a.{topic}")]
        )
    finally:
        await admin.close()
    entries = {e[0]: e[1] for r in response for res in r.resources for e in res[4]}
    assert entries.get("retention.ms") == "123456"


async def test_latest_start_skips_existing_records(clusters: tuple[str, str], unique: str) -> None:
    a, b = clusters
    topic = f"latest-{unique}"
    await create_topic(a, topic, 1)
    for record in records(10, "old"):
        # one batch each: Tansu's end offset is the last batch's base + 1 (TANSU.md)
        await produce(a, topic, [record])
    config = flow(a, b, topics=topic, **{"consumer.auto.offset.reset": "latest"})
    async with StandaloneHerder.running(
        worker_config(a), [{"name": f"l-{unique}", "config": config}]
    ):
        await wait_until(lambda: _has(b, f"a.{topic}"), timeout=20, message="remote topic")
        await produce(a, topic, records(5, "new"))
        got = await mirrored(b, f"a.{topic}", 5)
    assert {m.key.split(b"-")[0] for m in got} == {b"new"}


async def _has(bootstrap: str, topic: str) -> bool:
    return topic in await topics_on(bootstrap)


async def test_new_source_partitions_are_mirrored_without_restart(
    clusters: tuple[str, str], unique: str, either_on_tansu: bool
) -> None:
    from aiokafka.admin import AIOKafkaAdminClient, NewPartitions

    skip_on_tansu(either_on_tansu, "no create_partitions (API 37)")
    a, b = clusters
    topic = f"grow-{unique}"
    await create_topic(a, topic, 1)
    await produce(a, topic, records(10, "old"))
    config = flow(a, b, topics=topic)
    async with StandaloneHerder.running(
        worker_config(a), [{"name": f"g-{unique}", "config": config}]
    ):
        await mirrored(b, f"a.{topic}", 10)
        admin = AIOKafkaAdminClient(bootstrap_servers=a)
        await admin.start()
        try:
            await admin.create_partitions({topic: NewPartitions(3)})
        finally:
            await admin.close()
        await wait_until(
            lambda: _partitions(a, topic, 3), timeout=20, message="3 source partitions"
        )
        new = records(20, "new")
        spread = ({"key": k, "value": v, "partition": 1 + i % 2} for i, (k, v) in enumerate(new))
        await produce(a, topic, spread)
        # refresh.topics.interval.seconds=1 in the test flow: grown while running
        await wait_until(
            lambda: _partitions(b, f"a.{topic}", 3), timeout=20, message="3 remote partitions"
        )
        got = await mirrored(b, f"a.{topic}", 30)
    assert sorted(m.key for m in got) == sorted(k for k, _ in records(10, "old") + new)
    for m in got:
        if m.key.startswith(b"new"):
            assert m.partition == 1 + int(m.key.split(b"-")[1]) % 2


async def _partitions(bootstrap: str, topic: str, count: int) -> bool:
    return (await topics_on(bootstrap)).get(topic) == count
