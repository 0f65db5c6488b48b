"""A real Prometheus scrapes a worker moving a known number of records.

Counters read back through Prometheus's HTTP query API equal the records moved, with
Kafka Connect's labels; the example alert rules load and their expressions find a
failed task.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.helpers.kafka import create_topic
from tests.helpers.wait import wait_until
from tests.integration.metrics.prometheus import Prometheus, binary
from tests.integration.metrics.test_worker_metrics import Running, worker

pytestmark = pytest.mark.kafka

RULES = Path(__file__).parents[3] / "examples" / "monitoring" / "prometheus-rules.yml"


def test_example_alert_rules_are_valid() -> None:
    result = subprocess.run(
        [binary("promtool"), "check", "rules", str(RULES)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


async def test_prometheus_sees_the_records_moved(
    kafka_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    binary()
    count = 2000
    topic, src, sink = f"prom-{unique}", f"src-{unique}", f"sink-{unique}"
    await create_topic(kafka_bootstrap, topic, 2)
    config = worker(kafka_bootstrap, unique)
    async with Running(config) as w:
        target = urlsplit(w.url).netloc
        with Prometheus(tmp_path, [target], rules=RULES) as prom:
            await w.herder.put_connector_config(
                src,
                {
                    "connector.class": "datagen",
                    "kafka.topic": topic,
                    "max.records": count,
                    "batch.size": 100,
                    "value.converter": "json",
                    "value.converter.schemas.enable": False,
                },
                allow_replace=False,
            )
            await w.herder.put_connector_config(
                sink,
                {
                    "connector.class": "file-sink",
                    "topics": topic,
                    "file": str(tmp_path / "out.txt"),
                    "value.converter": "json",
                    "value.converter.schemas.enable": False,
                },
                allow_replace=False,
            )
            failing = f"failing-{unique}"
            await w.herder.put_connector_config(
                failing,
                {"connector.class": "tests.plugins:AlwaysFailingSource"},
                allow_replace=False,
            )

            async def seen(promql: str, want: float) -> list[dict[str, Any]] | None:
                result = await prom.query(promql)
                return result if result and float(result[0]["value"][1]) == want else None

            written = await wait_until(
                lambda: seen(
                    f'kafka_connect_source_task_source_record_write_total{{connector="{src}"}}',
                    count,
                ),
                timeout=60,
                interval=0.5,
                message="Prometheus scraped the source's total",
            )
            labels = written[0]["metric"]
            assert labels["connector"] == src and labels["task"] == "0"
            assert labels["job"] == "smart-connect" and labels["instance"] == target
            read = await wait_until(
                lambda: seen(
                    f'kafka_connect_sink_task_sink_record_read_total{{connector="{sink}"}}', count
                ),
                timeout=60,
                interval=0.5,
                message="Prometheus scraped the sink's total",
            )
            assert read[0]["metric"]["task"] == "0"
            polled = await prom.query(
                f'kafka_connect_source_task_source_record_poll_total{{connector="{src}"}}'
            )
            assert float(polled[0]["value"][1]) == count
            status = await prom.query(f'kafka_connect_connector_status{{connector="{sink}"}}')
            assert [(r["metric"]["status"], r["value"][1]) for r in status] == [("running", "1")]
            # the alert rules' expression finds the failed task, and only it
            failed = await wait_until(
                lambda: prom.query("kafka_connect_worker_connector_failed_task_count > 0"),
                timeout=30,
                interval=0.5,
                message="failed task seen",
            )
            assert [r["metric"]["connector"] for r in failed] == [failing]
            assert await prom.targets_up()
