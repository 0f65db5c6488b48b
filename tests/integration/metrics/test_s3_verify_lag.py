"""``smart-connect s3 verify`` says how many records per partition are still only in Kafka."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connectors.s3.verify import app
from tests.fixtures.kafka import skip_on_tansu
from tests.fixtures.s3 import S3Server
from tests.helpers.kafka import committed, create_topic, produce
from tests.helpers.wait import wait_until
from tests.integration.metrics.test_worker_metrics import Running, worker
from tests.unit.s3.support import Bucket

pytestmark = pytest.mark.kafka


async def test_verify_reports_records_not_yet_archived(
    kafka_bootstrap: str, s3_server: S3Server, unique: str, tmp_path: Path, on_tansu: bool
) -> None:
    skip_on_tansu(on_tansu, "end_offsets is the last batch's base offset + 1, not the log end")
    bucket = Bucket(s3_server)
    topic, name, partitions = f"vl-{unique}", f"vl-{unique}", 2
    flush, per_partition = 100, 250  # 200 archived, 50 waiting per partition
    await create_topic(kafka_bootstrap, topic, partitions)
    await produce(
        kafka_bootstrap,
        topic,
        (
            {"value": b"v" * 10, "partition": i % partitions}
            for i in range(per_partition * partitions)
        ),
    )
    config = bucket.config(
        topics=topic, **{"format.class": "bytes", "flush.size": flush, "value.converter": "bytes"}
    )
    async with Running(worker(kafka_bootstrap, unique)) as w:
        await w.herder.put_connector_config(name, config, allow_replace=False)

        async def archived() -> bool:
            got = await committed(
                kafka_bootstrap, f"connect-{name}", [(topic, p) for p in range(partitions)]
            )
            return all(off == 200 for off in got.values())

        await wait_until(
            archived, timeout=30, interval=0.3, message="200 records per partition committed"
        )
    task = tmp_path / "task.json"
    task.write_text(json.dumps({"name": name, "config": config}))
    cli = CliRunner()
    args = ["verify", str(task), "--bootstrap-servers", kafka_bootstrap]
    result = await asyncio.to_thread(cli.invoke, app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ok"]
    assert {(p["partition"], p["not_archived"]) for p in report["partitions"]} == {
        (p, per_partition - 200) for p in range(partitions)
    }
    text = await asyncio.to_thread(cli.invoke, app, args)
    assert text.exit_code == 0, text.output
    assert text.output.count("50 records still only in Kafka, not yet archived") == partitions
