"""CLI client commands over HTTP against a RestServer on the in-memory herder (quick paths
the integration test does not take: offsets set, restart --task, tables)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connect.cli_client import app, plugins_app
from connect.rest.server import RestServer
from connect.status import TargetState
from tests.unit.rest.fake_herder import SECRET, FakeHerder


@pytest.fixture
async def served(herder: FakeHerder, plugins: object) -> AsyncIterator[str]:
    server = RestServer(herder, listeners="http://127.0.0.1:0", plugins_registry=plugins)
    await server.start()
    try:
        yield server.url
    finally:
        await server.stop()


async def run(cli: object, *args: str) -> tuple[int, str, str]:
    """Invoke the typer app in a thread (the server keeps serving in this loop)."""
    result = await asyncio.to_thread(
        CliRunner().invoke, cli, list(args), env={"COLUMNS": "200", "NO_COLOR": "1"}
    )
    return result.exit_code, result.stdout, result.stderr


async def test_offsets_set_and_reset(served: str, herder: FakeHerder, tmp_path: Path) -> None:
    offsets = [{"partition": {"filename": "/in.txt"}, "offset": {"position": 7}}]
    file = tmp_path / "offsets.json"
    file.write_text(json.dumps({"offsets": offsets}))

    code, _, err = await run(app, "offsets", "source-b", "set", str(file), "--url", served)
    assert code == 1 and "409" in err and "STOPPED" in err

    herder.store["source-b"].target = TargetState.STOPPED
    code, out, _ = await run(app, "offsets", "source-b", "set", str(file), "--url", served)
    assert code == 0 and "altered" in out
    assert herder.store["source-b"].offsets == offsets
    code, out, _ = await run(app, "offsets", "source-b", "--url", served)
    assert code == 0 and "/in.txt" in out and "position" in out
    code, out, _ = await run(app, "offsets", "source-b", "reset", "--url", served)
    assert code == 0 and "reset" in out
    assert herder.store["source-b"].offsets == []


async def test_tables_and_task_restart(served: str, herder: FakeHerder) -> None:
    code, out, _ = await run(app, "list", "--url", served)
    assert code == 0 and "sink-a" in out and "2/2 running" in out
    code, out, _ = await run(app, "get", "sink-a", "--url", served)
    assert code == 0 and "api.key" in out and SECRET not in out
    code, out, _ = await run(app, "restart", "sink-a", "--task", "1", "--url", served)
    assert code == 0 and "task 1" in out
    assert herder.store["sink-a"].restarts == [("task-1", False, False)]
    code, out, _ = await run(plugins_app, "list", "--all", "--url", served)
    assert code == 0 and "transformation" in out


async def test_one_task_is_singular(served: str, tmp_path: Path) -> None:
    file = tmp_path / "one.json"
    file.write_text(json.dumps({"name": "one", "connector.class": "file-source", "tasks.max": 1}))
    code, out, _ = await run(app, "create", str(file), "--url", served)
    assert code == 0 and "1 task)" in out and "1 tasks" not in out
    code, out, _ = await run(app, "get", "sink-a", "--url", served)
    assert code == 0 and "2 tasks)" in out
