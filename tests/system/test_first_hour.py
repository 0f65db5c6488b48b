"""What a new user trips over in the first hour, through the real ``smart-connect`` CLI.

Misspelled keys, every error in one pass, one clear line instead of a traceback, and
JSON-only logs with the ids on every task line.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.fixtures.kafka import TansuBroker
from tests.helpers.kafka import SESSION_MS, create_topic
from tests.helpers.net import free_port
from tests.helpers.process import CLI, WorkerProcess, run_cli, write_task, write_worker_config
from tests.helpers.wait import wait_until

pytestmark = pytest.mark.system

TASKS = Path(__file__).parents[2] / "tasks"


def _no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr


def test_validate_warns_about_misspelled_keys_and_strict_fails(tmp_path: Path) -> None:
    task = write_task(
        tmp_path / "t.json",
        "typos",
        {
            "connector.class": "file-source",
            "file": str(tmp_path / "in.txt"),
            "topic": "t",
            "batch.sise": 10,
            "value.convertor": "string",
            "errors.tolerence": "all",
        },
    )
    result = run_cli("validate", str(task))
    assert result.returncode == 0, result.stderr
    flat = " ".join(result.stderr.split())
    assert "config.batch.sise: unknown key, did you mean 'batch.size'?" in flat
    assert "config.value.convertor: unknown key, did you mean 'value.converter'?" in flat
    assert "config.errors.tolerence: unknown key, did you mean 'errors.tolerance'?" in flat

    strict = run_cli("validate", "--strict", str(task))
    assert strict.returncode == 2
    assert "invalid" in strict.stderr and "batch.sise" in strict.stderr


def test_validate_reports_every_error_of_a_file_at_once(tmp_path: Path) -> None:
    task = write_task(
        tmp_path / "s3.json",
        "s3",
        {
            "connector.class": "s3-sink",
            "topics": "t",
            "tasks.max": "lots",
            "flush.size": "big",
            "format.class": "nope",
            "aws.access.key.id": "${env:SC_TEST_UNSET_ONE}",
            "aws.secret.access.key": "${env:SC_TEST_UNSET_TWO}",
        },
    )
    result = run_cli("validate", str(task))
    assert result.returncode == 2
    flat = " ".join(result.stderr.split())
    for text in (
        "config.tasks.max",
        "config.flush.size",
        "config.format.class",
        "config.s3.bucket.name: required key is missing",
        "SC_TEST_UNSET_ONE",
        "SC_TEST_UNSET_TWO",
    ):
        assert text in flat, flat


def test_typo_of_a_required_key_is_named(tmp_path: Path) -> None:
    task = write_task(
        tmp_path / "t.json", "x", {"connector.class": "file-sink", "topics": "t", "fiel": "f"}
    )
    result = run_cli("validate", str(task))
    assert result.returncode == 2
    flat = " ".join(result.stderr.split())
    assert "config.fiel: unknown key, did you mean 'file'?" in flat
    assert "required key is missing" not in flat


def test_validate_the_readme_glob_skips_the_schema() -> None:
    env = {
        **os.environ,
        **{
            name: "x:1"
            for name in re.findall(
                r"\$\{env:([A-Z0-9_]+)\}",
                "".join(p.read_text() for p in sorted(TASKS.glob("*.json"))),
            )
        },
    }
    files = sorted(str(p) for p in TASKS.glob("*.json"))
    assert any(f.endswith("task.schema.json") for f in files)
    result = subprocess.run(
        [*CLI, "validate", *files], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "task.schema.json: a JSON Schema, not a task" in " ".join(result.stderr.split())
    assert "warning" not in result.stderr  # the shipped examples use only known keys


def test_flat_task_file_is_accepted(tmp_path: Path) -> None:
    flat = tmp_path / "flat.json"
    flat.write_text(
        json.dumps({"name": "flat", "connector.class": "file-sink", "topics": "t", "file": "f"})
    )
    result = run_cli("validate", str(flat))
    assert result.returncode == 0, result.stderr
    assert "ok flat" in result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--log-level", "LOUD"], "--log-level: unknown level 'LOUD'"),
        (["--log-format", "xml"], "--log-format: unknown format 'xml'"),
    ],
    ids=["log-level", "log-format"],
)
def test_bad_log_options_are_one_line_usage_errors(
    tmp_path: Path, args: list[str], expected: str
) -> None:
    worker = write_worker_config(tmp_path / "w.properties", "127.0.0.1:1")
    task = write_task(tmp_path / "t.json", "x", {"connector.class": "file-sink", "topics": "t"})
    result = run_cli("standalone", str(worker), str(task), *args, timeout=30)
    assert result.returncode == 2
    _no_traceback(result)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and expected in lines[0], result.stderr


def test_unreachable_broker_at_standalone_start_is_one_line(tmp_path: Path) -> None:
    worker = write_worker_config(tmp_path / "w.properties", "127.0.0.1:1", listeners="none")
    task = write_task(
        tmp_path / "t.json", "x", {"connector.class": "file-sink", "topics": "t", "file": "f"}
    )
    result = run_cli("standalone", str(worker), str(task), "--log-format", "json", timeout=60)
    assert result.returncode == 1
    _no_traceback(result)
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    assert [line["event"] for line in lines] == ["cannot reach Kafka"], result.stderr
    assert "127.0.0.1:1" in lines[0]["bootstrap_servers"]


def test_demo_with_an_unreachable_broker_is_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [*CLI, "demo", "--bootstrap-servers", "127.0.0.1:1", "--no-mirror", "--no-s3"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 1
    _no_traceback(result)
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("demo failed: cannot reach Kafka at 127.0.0.1:1")


def test_worker_config_unknown_keys(tmp_path: Path) -> None:
    worker = write_worker_config(
        tmp_path / "w.properties", "127.0.0.1:1", ofset_flush_interval_ms=5, listeners="none"
    )
    task = write_task(
        tmp_path / "t.json", "x", {"connector.class": "file-sink", "topics": "t", "file": "f"}
    )
    result = run_cli("standalone", str(worker), str(task), "--log-format", "json", timeout=60)
    events = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    warning = next(e for e in events if e["event"] == "unknown worker config key")
    assert warning["key"] == "ofset.flush.interval.ms"
    assert warning["did_you_mean"] == "offset.flush.interval.ms"

    with (tmp_path / "w.properties").open("a") as fh:
        fh.write("config.unknown.keys=error\n")
    strict = run_cli("standalone", str(worker), str(task), timeout=60)
    assert strict.returncode == 2
    assert "ofset.flush.interval.ms: unknown key, did you mean" in strict.stderr


def test_version_and_help_without_python_types() -> None:
    version = run_cli("--version")
    assert version.returncode == 0 and version.stdout.startswith("smart-connect ")
    commands = [
        [],
        ["validate"],
        ["standalone"],
        ["distributed"],
        ["demo"],
        ["plugins"],
        ["plugins", "validate"],
        ["connectors"],
        ["connectors", "create"],
        ["connectors", "restart"],
        ["connectors", "offsets"],
    ]
    for command in commands:
        result = run_cli(*command, "--help")
        assert result.returncode == 0, (command, result.stderr)
        assert not re.search(r"<[a-zA-Z][\w\[\], ]*>", result.stdout), (command, result.stdout)
    standalone = run_cli("standalone", "--help").stdout
    assert "--log-level LEVEL" in standalone and "DEBUG, INFO, WARN or ERROR" in standalone
    assert "--plugin-path DIR" in run_cli("validate", "--help").stdout


def test_tables_are_not_cut_when_piped() -> None:
    result = run_cli("plugins")
    assert result.returncode == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if "FileStreamSourceConnector" in line)
    assert "connectors.file.source:FileStreamSourceConnector" in row
    assert "…" not in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) > 80


@pytest.mark.kafka
def test_json_logs_only_json_with_ids_on_every_task_line(
    tmp_path: Path, kafka_bootstrap: str, unique: str
) -> None:
    asyncio.run(create_topic(kafka_bootstrap, unique, 1))
    port = free_port()
    worker = write_worker_config(
        tmp_path / "w.properties",
        kafka_bootstrap,
        offset_storage_topic=f"offsets-{unique}",
        offset_storage_replication_factor=1,
        offset_storage_partitions=1,
        consumer_session_timeout_ms=SESSION_MS,
        listeners=f"http://127.0.0.1:{port}",
    )
    missing = tmp_path / "not-there.txt"
    task = write_task(
        tmp_path / "t.json",
        unique,
        {"connector.class": "file-source", "file": str(missing), "topic": unique},
    )
    args = ["standalone", str(worker), str(task), "--log-format", "json", "--log-level", "DEBUG"]
    with WorkerProcess(args) as proc:
        proc.wait_ready(60)
        proc.wait_for_log("the file does not exist", 30)
        # the level in force, as set by --log-level (not stdlib's WARNING default)
        root = httpx.get(f"http://127.0.0.1:{port}/admin/loggers/root").json()
        assert root["level"] == "DEBUG"
        url = f"http://127.0.0.1:{port}/connectors/{unique}"

        def message() -> str | None:
            task = httpx.get(f"{url}/status").json()["tasks"][0]
            assert task["state"] == "RUNNING"
            return task.get("message")

        # the status says why nothing comes, until the file appears
        asyncio.run(wait_until(lambda: "does not exist" in (message() or ""), timeout=30))
        missing.write_text("hello\n")
        asyncio.run(wait_until(lambda: message() is None, timeout=30))
        assert httpx.put(f"{url}/pause").status_code == 202
        proc.wait_for_log('"state": "PAUSED"', 30)
        assert httpx.put(f"{url}/resume").status_code == 202

        def running_lines() -> int:
            return sum(
                1
                for e in proc.events()
                if e.get("event") == "status"
                and e.get("state") == "RUNNING"
                and e.get("id") == f"{unique}-0"
            )

        asyncio.run(wait_until(lambda: running_lines() >= 2, timeout=30))  # after resume
        assert proc.terminate(60) == 0
    lines = [line for line in proc.lines if line.strip()]
    events = []
    for line in lines:
        try:
            events.append(json.loads(line))
        except ValueError:
            pytest.fail(f"not a JSON line: {line!r}")
    assert any(e.get("logger", "").startswith("aiokafka") for e in events), "no library line"
    warnings = [e for e in events if "the file does not exist" in e["event"]]
    assert len(warnings) == 1, warnings  # once, not every poll
    assert warnings[0]["connector"] == unique and warnings[0]["task"] == 0
    assert warnings[0]["level"] == "warn"
    statuses = [e for e in events if e["event"] == "status" and e.get("id") == f"{unique}-0"]
    assert {e["state"] for e in statuses} >= {"RUNNING", "PAUSED"}
    for event in statuses:  # the pause/resume lines come from the herder, not the task
        assert event["connector"] == unique and event["task"] == 0, event


def test_distributed_worker_stops_cleanly_after_the_broker_went_away(
    tmp_path: Path, unique: str
) -> None:
    broker = TansuBroker(f"gone-{unique}")  # our own broker: this test kills it
    broker.start()
    try:
        port = free_port()
        worker = write_worker_config(
            tmp_path / "w.properties",
            broker.bootstrap,
            group_id=f"cluster-{unique}",
            config_storage_replication_factor=1,
            offset_storage_replication_factor=1,
            status_storage_replication_factor=1,
            listeners=f"http://127.0.0.1:{port}",
        )
        with WorkerProcess(["distributed", str(worker), "--log-format", "json"]) as proc:
            proc.wait_for_log("assignment received", 60)
            broker.stop()
            proc.wait_for_log("Unable connect", 30)  # the worker noticed
            code = proc.terminate(120)
        assert "Traceback" not in proc.output, proc.output
        for line in proc.lines:
            json.loads(line)
        assert code in (0, 1)
    finally:
        broker.stop()
