"""Transform chains through the real worker: file-source → Kafka → file-sink.

The source chain wraps each line, tags it and routes it to another topic; the sink
chain drops tombstones (predicate), renames a field and adds the Kafka offset.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from connect.herder.standalone import StandaloneHerder
from tests.helpers.kafka import consume, create_topic, produce
from tests.helpers.wait import wait_until

pytestmark = pytest.mark.kafka

LINES = 200
TOMBSTONES = 3


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


async def test_chains_of_three_on_source_and_sink(
    tmp_path: Path, kafka_bootstrap: str, unique: str
) -> None:
    src, out = tmp_path / "in.txt", tmp_path / "out.txt"
    src.write_text("".join(f"order {i}\n" for i in range(LINES)))
    incoming, routed = f"in-{unique}", f"routed-{unique}"
    await create_topic(kafka_bootstrap, incoming)
    await create_topic(kafka_bootstrap, routed)
    # tombstones first, so the sink chain must drop them before the file sees them
    await produce(kafka_bootstrap, routed, [(b"k", None)] * TOMBSTONES)

    source: dict[str, Any] = {
        "connector.class": "file-source",
        "file": str(src),
        "topic": incoming,
        "value.converter": "json",
        "transforms": "hoist,tag,route",
        "transforms.hoist.type": "HoistField$Value",
        "transforms.hoist.field": "line",
        "transforms.tag.type": "org.apache.kafka.connect.transforms.InsertField$Value",
        "transforms.tag.static.field": "origin",
        "transforms.tag.static.value": "file-source",
        "transforms.route.type": "RegexRouter",
        "transforms.route.regex": "in-(.*)",
        "transforms.route.replacement": "routed-$1",
    }
    sink: dict[str, Any] = {
        "connector.class": "file-sink",
        "file": str(out),
        "topics": routed,
        "key.converter": "string",
        "value.converter": "json",
        "transforms": "dropTombstones,rename,offset",
        "transforms.dropTombstones.type": "Filter",
        "transforms.dropTombstones.predicate": "isTombstone",
        "transforms.rename.type": "ReplaceField$Value",
        "transforms.rename.renames": "line:text",
        "transforms.offset.type": "InsertField$Value",
        "transforms.offset.offset.field": "offset",
        "predicates": "isTombstone",
        "predicates.isTombstone.type": "RecordIsTombstone",
    }
    worker = {
        "bootstrap.servers": kafka_bootstrap,
        "offset.storage.topic": f"offsets-{unique}",
        "offset.storage.partitions": 1,
        "offset.storage.replication.factor": 1,
        "offset.flush.interval.ms": 300,
    }
    tasks: list[Mapping[str, Any]] = [
        {"name": f"src-{unique}", "config": source},
        {"name": f"sink-{unique}", "config": sink},
    ]
    async with StandaloneHerder.running(worker, tasks) as herder:
        await herder.wait_for_state(f"src-{unique}", "RUNNING")
        await herder.wait_for_state(f"sink-{unique}", "RUNNING")
        await wait_until(lambda: len(_lines(out)) >= LINES, timeout=60, message="sink lines")
        for name in (f"src-{unique}", f"sink-{unique}"):
            assert [t["state"] for t in herder.status(name)["tasks"]] == ["RUNNING"]

    # nothing reached the source topic; Kafka holds the routed records with their schema
    on_kafka = await consume(kafka_bootstrap, routed, TOMBSTONES + LINES, timeout=30)
    first = json.loads(on_kafka[TOMBSTONES].value)
    assert first["payload"] == {"line": "order 0", "origin": "file-source"}
    assert [f["field"] for f in first["schema"]["fields"]] == ["line", "origin"]
    assert await consume(kafka_bootstrap, incoming, 1, timeout=1) == []

    written = [json.loads(line) for line in _lines(out)]
    assert written == [
        {"text": f"order {i}", "origin": "file-source", "offset": TOMBSTONES + i}
        for i in range(LINES)
    ]
