"""The REST API over the real StandaloneHerder and the test broker.

pause/resume/stop/restart (incl. onlyFailed), a PUT config update that restarts tasks
with the new config, delete; offsets GET while running, PATCH/DELETE refused unless
STOPPED, reset then resume re-reads from the start; validate and 4xx errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers.kafka import create_topic, end_offsets, produce
from tests.helpers.wait import wait_until
from tests.integration.rest.conftest import Rest

pytestmark = pytest.mark.kafka


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


async def _has_lines(path: Path, count: int, timeout: float = 30) -> None:
    await wait_until(lambda: len(_lines(path)) >= count, timeout=timeout, message=f"{count} lines")
    assert len(_lines(path)) == count, "more lines than produced"


def _sink(topic: str, out: Path) -> dict[str, Any]:
    return {
        "connector.class": "file-sink",
        "topics": topic,
        "file": str(out),
        "key.converter": "string",
        "value.converter": "string",
    }


async def _produce(bootstrap: str, topic: str, start: int, count: int) -> None:
    await produce(bootstrap, topic, [(None, f"v{i}".encode()) for i in range(start, start + count)])


async def test_lifecycle(rest: Rest, kafka_bootstrap: str, unique: str, tmp_path: Path) -> None:
    topic, name = f"t-{unique}", f"sink-{unique}"
    out1, out2 = tmp_path / "out1.txt", tmp_path / "out2.txt"
    await create_topic(kafka_bootstrap, topic)
    await _produce(kafka_bootstrap, topic, 0, 20)

    r = await rest.http.post("/connectors", json={"name": name, "config": _sink(topic, out1)})
    assert r.status_code == 201, r.text
    assert r.json()["type"] == "sink"
    assert (await rest.http.post("/connectors", json={"name": name, "config": {}})).status_code in (
        400,
        409,
    )
    await rest.wait_state(name, "RUNNING")
    await _has_lines(out1, 20)

    assert (await rest.http.get("/connectors")).json() == [name]
    tasks = (await rest.http.get(f"/connectors/{name}/tasks")).json()
    assert [t["id"] for t in tasks] == [{"connector": name, "task": 0}]
    assert tasks[0]["config"]["file"] == str(out1)
    assert (await rest.http.get(f"/connectors/{name}/topics")).json() == {name: {"topics": [topic]}}
    task_status = (await rest.http.get(f"/connectors/{name}/tasks/0/status")).json()
    expected = {"id": 0, "state": "RUNNING", "worker_id": rest.herder.worker_id}
    assert task_status.items() >= expected.items()  # plus smart-connect's "errors" counters

    # pause / resume
    assert (await rest.http.put(f"/connectors/{name}/pause")).status_code == 202
    await rest.wait_state(name, "PAUSED")
    await _produce(kafka_bootstrap, topic, 20, 5)
    assert (await rest.http.put(f"/connectors/{name}/resume")).status_code == 202
    await rest.wait_state(name, "RUNNING")
    await _has_lines(out1, 25)

    # a config update restarts the task with the new config: new records go to out2
    r = await rest.http.put(f"/connectors/{name}/config", json=_sink(topic, out2))
    assert r.status_code == 200, r.text
    assert r.json()["config"]["file"] == str(out2)
    tasks = (await rest.http.get(f"/connectors/{name}/tasks")).json()
    assert tasks[0]["config"]["file"] == str(out2)
    await rest.wait_state(name, "RUNNING")
    await _produce(kafka_bootstrap, topic, 25, 5)
    await _has_lines(out2, 5)
    assert len(_lines(out1)) == 25

    # restarts
    assert (await rest.http.post(f"/connectors/{name}/restart")).status_code == 204
    await rest.wait_state(name, "RUNNING")
    r = await rest.http.post(f"/connectors/{name}/restart?includeTasks=true")
    assert r.status_code == 202
    plan = r.json()
    assert plan["connector"]["state"] == "RESTARTING"
    assert [t["state"] for t in plan["tasks"]] == ["RESTARTING"]
    await rest.wait_state(name, "RUNNING")
    assert (await rest.http.post(f"/connectors/{name}/tasks/0/restart")).status_code == 204
    await rest.wait_state(name, "RUNNING")
    await _produce(kafka_bootstrap, topic, 30, 3)
    await _has_lines(out2, 8)

    # stop, then delete
    assert (await rest.http.put(f"/connectors/{name}/stop")).status_code == 204
    await rest.wait_state(name, "STOPPED", tasks=False)
    assert (await rest.http.delete(f"/connectors/{name}")).status_code == 204
    r = await rest.http.get(f"/connectors/{name}")
    assert r.status_code == 404
    assert r.json()["error_code"] == 404
    assert (await rest.http.get("/connectors")).json() == []


async def test_restart_only_failed(
    rest: Rest, kafka_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    topic, name = f"t-{unique}", f"sink-{unique}"
    missing = tmp_path / "not-yet" / "out.txt"  # the task fails to open it
    await create_topic(kafka_bootstrap, topic)
    await _produce(kafka_bootstrap, topic, 0, 4)
    r = await rest.http.put(f"/connectors/{name}/config", json=_sink(topic, missing))
    assert r.status_code == 201, r.text

    async def task_failed() -> dict[str, Any] | None:
        body = await rest.status(name)
        return body if body["tasks"] and body["tasks"][0]["state"] == "FAILED" else None

    status = await wait_until(task_failed, timeout=30, message="task FAILED")
    assert status["connector"]["state"] == "RUNNING"
    assert "trace" in status["tasks"][0]
    task_status = (await rest.http.get(f"/connectors/{name}/tasks/0/status")).json()
    assert task_status["state"] == "FAILED" and task_status["trace"]

    missing.parent.mkdir()
    r = await rest.http.post(f"/connectors/{name}/restart?includeTasks=true&onlyFailed=true")
    assert r.status_code == 202
    plan = r.json()
    assert plan["connector"]["state"] == "RUNNING"  # only failed things restart
    assert plan["tasks"][0]["state"] == "RESTARTING"
    await rest.wait_state(name, "RUNNING")
    await _has_lines(missing, 4)


async def _running_sink(
    rest: Rest, bootstrap: str, unique: str, out: Path
) -> tuple[str, str, list[dict[str, Any]]]:
    """A file-sink that consumed 10 records and committed them; its committed offsets."""
    topic, name = f"t-{unique}", f"sink-{unique}"
    await create_topic(bootstrap, topic)
    await _produce(bootstrap, topic, 0, 10)
    r = await rest.http.post("/connectors", json={"name": name, "config": _sink(topic, out)})
    assert r.status_code == 201, r.text
    await _has_lines(out, 10)
    committed = [
        {"partition": {"kafka_topic": topic, "kafka_partition": 0}, "offset": {"kafka_offset": 10}}
    ]
    await wait_until(
        lambda: _offsets_are(rest, name, committed), timeout=30, message="sink offsets committed"
    )
    return topic, name, committed


async def _offsets_are(rest: Rest, name: str, expected: list[dict[str, Any]]) -> bool:
    r = await rest.http.get(f"/connectors/{name}/offsets")
    assert r.status_code == 200, r.text
    return bool(r.json() == {"offsets": expected})


async def test_sink_offsets_while_running(
    rest: Rest, kafka_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    _, name, committed = await _running_sink(rest, kafka_bootstrap, unique, tmp_path / "o.txt")
    # PATCH and DELETE are refused unless STOPPED
    patch = {"offsets": [{**committed[0], "offset": {"kafka_offset": 4}}]}
    r = await rest.http.patch(f"/connectors/{name}/offsets", json=patch)
    assert r.status_code == 409 and "STOPPED" in r.json()["message"]
    r = await rest.http.delete(f"/connectors/{name}/offsets")
    assert r.status_code == 409 and r.json()["error_code"] == 409
    await rest.http.put(f"/connectors/{name}/pause")
    await rest.wait_state(name, "PAUSED")
    assert (await rest.http.delete(f"/connectors/{name}/offsets")).status_code == 409


async def test_sink_offsets_set_and_reset_when_stopped(
    rest: Rest, kafka_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    out = tmp_path / "out.txt"
    _, name, committed = await _running_sink(rest, kafka_bootstrap, unique, out)
    patch = {"offsets": [{**committed[0], "offset": {"kafka_offset": 4}}]}

    async def offsets_committed() -> bool:
        return await _offsets_are(rest, name, committed)

    assert (await rest.http.put(f"/connectors/{name}/stop")).status_code == 204
    await rest.wait_state(name, "STOPPED", tasks=False)

    # set: resume re-reads from offset 4
    r = await rest.http.patch(f"/connectors/{name}/offsets", json=patch)
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"message"}
    r = await rest.http.get(f"/connectors/{name}/offsets")
    assert r.json()["offsets"][0]["offset"] == {"kafka_offset": 4}
    assert (await rest.http.put(f"/connectors/{name}/resume")).status_code == 202
    await _has_lines(out, 16)
    assert _lines(out)[10:] == [f"v{i}" for i in range(4, 10)]

    # reset: resume re-reads everything from the start
    await wait_until(offsets_committed, timeout=30, message="sink offsets committed again")
    assert (await rest.http.put(f"/connectors/{name}/stop")).status_code == 204
    await rest.wait_state(name, "STOPPED", tasks=False)
    r = await rest.http.delete(f"/connectors/{name}/offsets")
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"message"}
    assert (await rest.http.put(f"/connectors/{name}/resume")).status_code == 202
    await _has_lines(out, 26)
    assert _lines(out)[16:] == [f"v{i}" for i in range(10)]


async def test_source_offsets_reset_rereads(
    rest: Rest, kafka_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    topic, name, src = f"t-{unique}", f"src-{unique}", tmp_path / "in.txt"
    src.write_text("".join(f"line {i}\n" for i in range(10)))
    await create_topic(kafka_bootstrap, topic)
    config = {
        "connector.class": "file-source",
        "file": str(src),
        "topic": topic,
        "value.converter": "string",
    }
    r = await rest.http.post("/connectors", json={"name": name, "config": config})
    assert r.status_code == 201, r.text
    assert r.json()["type"] == "source"

    expected = [{"partition": {"filename": str(src)}, "offset": {"position": src.stat().st_size}}]

    async def stored() -> bool:
        body = (await rest.http.get(f"/connectors/{name}/offsets")).json()
        return bool(body == {"offsets": expected})

    await wait_until(stored, timeout=30, message="source offsets stored")
    assert (await end_offsets(kafka_bootstrap, topic, 1))[0] == 10
    r = await rest.http.delete(f"/connectors/{name}/offsets")
    assert r.status_code == 409

    assert (await rest.http.put(f"/connectors/{name}/stop")).status_code == 204
    await rest.wait_state(name, "STOPPED", tasks=False)
    assert (await rest.http.delete(f"/connectors/{name}/offsets")).status_code == 200
    assert (await rest.http.get(f"/connectors/{name}/offsets")).json() == {"offsets": []}
    assert (await rest.http.put(f"/connectors/{name}/resume")).status_code == 202

    async def reread() -> bool:
        return (await end_offsets(kafka_bootstrap, topic, 1))[0] >= 20

    await wait_until(reread, timeout=30, message="file re-read from the start")
    await wait_until(stored, timeout=30, message="source offsets stored again")


async def test_validate_and_errors(rest: Rest, tmp_path: Path) -> None:
    r = await rest.http.put(
        "/connector-plugins/file-sink/config/validate", json={"topics": "x", "tasks.max": "zero"}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["error_count"] >= 2
    errors = {c["value"]["name"]: c["value"]["errors"] for c in body["configs"]}
    assert errors["file"], "missing required key is reported on its own key"
    assert errors["tasks.max"]

    ok = await rest.http.put(
        "/connector-plugins/file-sink/config/validate",
        json={"topics": "x", "file": str(tmp_path / "o.txt")},
    )
    assert ok.json()["error_count"] == 0

    plugins = (await rest.http.get("/connector-plugins")).json()
    assert {"file-sink", "file-source"} <= {p["class"].split(":")[-1] for p in plugins} | {
        p["class"] for p in plugins
    } or any("FileStreamSink" in p["class"] for p in plugins)
    keys = (await rest.http.get("/connector-plugins/file-sink/config")).json()
    assert "file" in {k["name"] for k in keys}

    for method, path, status in [
        ("GET", "/connectors/nope", 404),
        ("GET", "/connector-plugins/nope/config", 404),
        ("PUT", "/connector-plugins/nope/config/validate", 404),
    ]:
        r = await rest.http.request(method, path, json={})
        assert r.status_code == status, (path, r.text)
        assert r.json()["error_code"] == status and r.json()["message"]

    r = await rest.http.post(
        "/connectors", content=b'{"name": ', headers={"content-type": "application/json"}
    )
    assert r.status_code == 400 and "JSON" in r.json()["message"]
    r = await rest.http.post(
        "/connectors", json={"name": "bad", "config": {"connector.class": "file-sink"}}
    )
    assert r.status_code == 400
    assert r.json()["error_code"] == 400 and r.json()["message"]
    root = (await rest.http.get("/")).json()
    assert set(root) == {"version", "commit", "kafka_cluster_id"}
