"""The plugin package in examples/ installs with pip and is found through its entry points."""

from __future__ import annotations

import asyncio
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.kafka import create_topic
from tests.helpers.process import CLI, WorkerProcess, write_task, write_worker_config
from tests.helpers.wait import wait_until

pytestmark = pytest.mark.system

EXAMPLE = Path(__file__).parents[2] / "examples" / "smart-connect-example"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """pip-install the example as the README tells users to, but into a throwaway folder.

    The environment of the processes that see it; the test runner's own environment (the
    user's venv) is left as it was, and the build leaves nothing in examples/.
    """
    root = tmp_path_factory.mktemp("example")
    source = root / "src"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    site = root / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(site),
            str(source),
        ],
        check=True,
    )
    path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    return {"PYTHONPATH": path}


def _plugins(env: dict[str, str] | None = None) -> dict[str, dict[str, str]]:
    result = subprocess.run(
        [*CLI, "plugins", "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
        check=True,
    )
    return {r["name"]: r for r in json.loads(result.stdout)}


def test_the_test_environment_is_left_alone(installed: dict[str, str]) -> None:
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.distribution("smart-connect-example")
    assert "words-source" not in _plugins()


def test_example_is_discovered_through_entry_points(installed: dict[str, str]) -> None:
    rows = _plugins(installed)
    assert rows["words-source"]["type"] == "source"
    assert rows["words-source"]["origin"] == "smart-connect-example 1.0.0"
    assert rows["Uppercase"]["type"] == "transform"


@pytest.mark.kafka
def test_example_runs_in_the_worker(
    installed: dict[str, str], tmp_path: Path, kafka_bootstrap: str, unique: str
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
    args = ["standalone", str(worker), str(source), str(sink)]
    with WorkerProcess(args, env=installed) as proc:
        proc.wait_ready()
        asyncio.run(wait_until(lambda: out.exists() and len(out.read_text().splitlines()) >= 10))
        assert proc.terminate() == 0
    assert out.read_text().splitlines() == ["ALPHA", "BETA"] * 5
