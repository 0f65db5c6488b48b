"""The CLI refuses invalid task JSON before anything starts, and lists plugins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.process import run_cli, write_task, write_worker_config

pytestmark = pytest.mark.system


def _good(tmp_path: Path) -> Path:
    return write_task(
        tmp_path / "good.json",
        "good",
        {
            "connector.class": "file-sink",
            "file": str(tmp_path / "out.txt"),
            "topics": "t",
        },
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            {"name": "x", "config": {"connector.class": "file-sinc", "topics": "t", "file": "f"}},
            ["connector.class", "Did you mean 'file-sink'?"],
        ),
        (
            {"name": "x", "config": {"connector.class": "file-sink", "topics": "t"}},
            ["file: required key is missing"],
        ),
        (
            {
                "name": "x",
                "config": {
                    "connector.class": "file-sink",
                    "topics": "t",
                    "file": "f",
                    "tasks.max": "lots",
                },
            },
            ["tasks.max", "'lots'"],
        ),
        (
            {"name": "x", "config": {"connector.class": "file-sink", "file": "f"}},
            ["topics: a sink needs topics or topics.regex"],
        ),
        ('{"name": "x", "config": {', ["invalid JSON at line 1"]),
        ({"config": {"connector.class": "file-sink"}}, ["name: required key is missing"]),
    ],
    ids=["unknown-connector", "missing-key", "wrong-type", "no-topics", "bad-json", "no-name"],
)
def test_validate_names_the_key_and_exits_2(
    tmp_path: Path, content: object, expected: list[str]
) -> None:
    path = tmp_path / "task.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    result = run_cli("validate", str(_good(tmp_path)), str(path))
    assert result.returncode == 2, result.stderr
    flat = " ".join(result.stderr.split())
    for text in expected:
        assert text in flat, flat


def test_standalone_starts_nothing_when_a_task_is_invalid(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "x", "config": {"connector.class": "nope"}}))
    # an unreachable broker: had anything started, it would hang instead of exiting 2
    worker = write_worker_config(tmp_path / "w.properties", "127.0.0.1:1")
    result = run_cli("standalone", str(worker), str(_good(tmp_path)), str(bad), timeout=30)
    assert result.returncode == 2
    assert "connector.class" in result.stderr
    assert "worker started" not in result.stderr
    assert not (tmp_path / "out.txt").exists()


def test_validate_ok(tmp_path: Path) -> None:
    result = run_cli("validate", str(_good(tmp_path)))
    assert result.returncode == 0, result.stderr


def test_plugins_lists_every_kind() -> None:
    result = run_cli("plugins", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    kinds = {row["type"] for row in rows}
    assert {"source", "sink", "converter", "transform", "predicate"} <= kinds
    names = {row["name"]: row for row in rows}
    assert names["file-source"]["origin"].startswith("smart-connect")
    assert names["file-source"]["version"]
