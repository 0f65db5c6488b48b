"""The real CLI client (``smart-connect connectors ...``, ``plugins validate``) against a real
REST server over the StandaloneHerder and the test broker."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.kafka import create_topic, produce
from tests.helpers.wait import wait_until
from tests.integration.rest.conftest import Rest

pytestmark = pytest.mark.kafka

# ``plugins_app`` is mounted by the lead's CLI; run it directly so this test does not
# depend on where it is mounted.
PLUGINS = "import sys; from connect.cli_client import plugins_app; plugins_app(sys.argv[1:])"


async def cli(url: str, *args: str, plugins: bool = False) -> tuple[int, str, str]:
    """Run the CLI as a real process; ``(exit code, stdout, stderr)``."""
    cmd = (
        [sys.executable, "-c", PLUGINS, *args]
        if plugins
        else [sys.executable, "-m", "connect.cli", "connectors", *args]
    )
    env = {**os.environ, "SMART_CONNECT_URL": url, "COLUMNS": "200", "NO_COLOR": "1"}
    proc = await asyncio.create_subprocess_exec(
        *cmd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def cli_json(url: str, *args: str) -> Any:
    code, out, err = await cli(url, *args, "--json")
    assert code == 0, err
    return json.loads(out)


async def test_cli_manages_a_connector(
    rest: Rest, kafka_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    topic, name = f"t-{unique}", f"cli-{unique}"
    out = tmp_path / "out.txt"
    await create_topic(kafka_bootstrap, topic)
    await produce(kafka_bootstrap, topic, [(None, f"v{i}".encode()) for i in range(5)])
    config = {
        "connector.class": "file-sink",
        "topics": topic,
        "file": str(out),
        "value.converter": "string",
        "db.password": "cli-secret-value",
    }
    task_file = tmp_path / "task.json"
    task_file.write_text(json.dumps({"name": name, "config": config}))
    url = rest.url

    code, stdout, _ = await cli(url, "create", str(task_file))
    assert code == 0 and f"created {name}" in stdout

    await rest.wait_state(name, "RUNNING")
    await wait_until(lambda: out.exists() and len(out.read_text().splitlines()) == 5)

    # read-only commands, run side by side to keep the test short
    listed, info, (code, stdout, _), offsets = await asyncio.gather(
        cli_json(url, "list"),
        cli_json(url, "get", name),
        cli(url, "status", name),
        cli_json(url, "offsets", name),
    )
    assert listed[name]["status"]["connector"]["state"] == "RUNNING"
    assert info["config"]["db.password"] == "********"
    assert code == 0 and "RUNNING" in stdout and "task 0" in stdout
    assert set(offsets) == {"offsets"}

    code, stdout, _ = await cli(url, "pause", name)
    assert code == 0 and f"paused {name}" in stdout
    await rest.wait_state(name, "PAUSED")
    assert (await cli(url, "resume", name))[0] == 0
    await rest.wait_state(name, "RUNNING")
    plan = await cli_json(url, "restart", name, "--include-tasks", "--only-failed")
    assert plan["name"] == name and plan["tasks"][0]["state"] == "RUNNING"  # nothing failed
    code, _, stderr = await cli(url, "offsets", name, "reset")
    assert code == 1 and "STOPPED" in stderr  # non-2xx: the worker's message, exit 1

    updated = tmp_path / "update.json"
    updated.write_text(json.dumps({**config, "file": str(tmp_path / "out2.txt")}))
    code, stdout, _ = await cli(url, "update", name, str(updated))
    assert code == 0 and f"updated {name}" in stdout

    assert (await cli(url, "stop", name))[0] == 0
    await rest.wait_state(name, "STOPPED", tasks=False)
    code, stdout, _ = await cli(url, "delete", name)
    assert code == 0 and f"deleted {name}" in stdout
    code, _, stderr = await cli(url, "status", name)
    assert code == 1 and "404" in stderr and "not found" in stderr


async def test_cli_plugins_validate(rest: Rest, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "x", "config": {"topics": "t", "tasks.max": "zero"}}))
    code, stdout, _ = await cli(rest.url, "validate", "file-sink", str(bad), plugins=True)
    assert code == 2  # like `smart-connect validate`
    assert "tasks.max" in stdout and "file" in stdout and "error(s)" in stdout

    good = tmp_path / "good.json"
    good.write_text(json.dumps({"topics": "t", "file": str(tmp_path / "o.txt")}))
    (
        (code, stdout, _),
        (code_404, _, stderr_404),
        (code_down, _, stderr_down),
    ) = await asyncio.gather(
        cli(rest.url, "validate", "file-sink", str(good), plugins=True),
        cli(rest.url, "validate", "nope", str(good), plugins=True),
        cli("http://127.0.0.1:9", "list"),
    )
    assert code == 0 and "valid" in stdout
    assert code_404 == 1 and "404" in stderr_404
    assert code_down == 1 and "cannot reach" in stderr_down
