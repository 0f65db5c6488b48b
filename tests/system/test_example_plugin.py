"""The plugin package in examples/ installs with pip and is found through its entry points."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.kafka import create_topic
from tests.helpers.process import WorkerProcess, run_cli, write_task, write_worker_config
from tests.helpers.wait import wait_until

pytestmark = pytest.mark.system

EXAMPLE = Path(__file__).parents[2] / "examples" / "smart-connect-example"


@pytest.fixture(scope="module")
def installed() -> None:
    """pip-install the example into the test environment (as the README tells users to)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", str(EXAMPLE)],
        check=True,
    )


def test_example_is_discovered_through_entry_points(installed: None) -> None:
    rows = {r["name"]: r for r in json.loads(run_cli("plugins", "--json").stdout)}
    assert rows["words-source"]["type"] == "source"
    assert rows["words-source"]["origin"] == "smart-connect-example 1.0.0"
    assert rows["Uppercase"]["type"] == "transform"


@pytest.mark.kafka
def test_example_runs_in_the_worker(
    installed: None, tmp_path: Path, kafka_bootstrap: str, unique: str
) -> None:
    asyncio.run(create_topic(kafka_bootstrap, unique))
    out = tmp_path / "out.txt"
    source = write_task(
        tmp_path / "src.json",
        f"words-{unique}",
        {
            "connector.class": "words-source",
            "topic": unique,
            "words": "alpha,beta",
            "count": 10,
            "value.converter": "string",
            "transforms": "up",
            "transforms.up.type": "Uppercase",
        },
    )
    sink = write_task(
        tmp_path / "sink.json",
        f"sink-{unique}",
        {
            "connector.class": "file-sink",
            "topics": unique,
            "file": str(out),
            "value.converter": "string",
        },
    )
    worker = write_worker_config(
        tmp_path / "w.properties", kafka_bootstrap, offset_storage_topic=f"offsets-{unique}"
    )
    with WorkerProcess(["standalone", str(worker), str(source), str(sink)]) as proc:
        proc.wait_ready()
        asyncio.run(wait_until(lambda: out.exists() and len(out.read_text().splitlines()) >= 10))
        assert proc.terminate() == 0
    assert out.read_text().splitlines() == ["ALPHA", "BETA"] * 5
