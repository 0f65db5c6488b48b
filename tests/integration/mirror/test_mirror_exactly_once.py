"""exactly.once.support=enabled: idempotent target producer, read_committed source reads.

Tansu has no idempotent or transactional producers (TANSU.md), so this runs only
against Apache Kafka (SMART_CONNECT_TEST_BOOTSTRAP / SMART_CONNECT_TEST_TARGET_BOOTSTRAP).
"""

from __future__ import annotations

import pytest

from connect.herder.standalone import StandaloneHerder
from tests.fixtures.kafka import skip_on_tansu
from tests.helpers.kafka import create_topic, produce
from tests.integration.mirror.conftest import flow, mirrored, worker_config

pytestmark = pytest.mark.kafka


async def test_exactly_once_mode_mirrors_each_record_once(
    clusters: tuple[str, str], unique: str, either_on_tansu: bool
) -> None:
    skip_on_tansu(either_on_tansu, "no idempotent/transactional producer (InitProducerId v0)")
    a, b = clusters
    topic = f"eos-{unique}"
    await create_topic(a, topic, 2)
    await produce(a, topic, [(b"%d" % i, b"v") for i in range(2000)])
    config = flow(a, b, topics=topic, **{"exactly.once.support": "enabled"})
    async with StandaloneHerder.running(
        worker_config(a), [{"name": f"e-{unique}", "config": config}]
    ):
        got = await mirrored(b, f"a.{topic}", 2000)
    keys = [m.key for m in got]
    assert len(keys) == len(set(keys)) == 2000
