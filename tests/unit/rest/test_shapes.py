"""Every endpoint answers in Kafka Connect's documented JSON shape (over an in-memory herder)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connect.secrets import MASK
from connect.status import State, TargetState
from tests.unit.rest.fake_herder import SECRET, FakeHerder

INFO_KEYS = {"name", "config", "tasks", "type"}
CONFIG_KEY_INFO_KEYS = {
    "name",
    "type",
    "required",
    "default_value",
    "importance",
    "documentation",
    "group",
    "width",
    "display_name",
    "dependents",
    "order",
}


def assert_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error_code", "message"}
    assert body["error_code"] == status
    assert isinstance(body["message"], str) and body["message"]
    return body


def assert_status_shape(body: dict[str, Any], name: str) -> None:
    assert set(body) == {"name", "connector", "tasks", "type"}
    assert body["name"] == name
    assert {"state", "worker_id"} <= set(body["connector"])
    for task in body["tasks"]:
        assert {"id", "state", "worker_id"} <= set(task)
        assert isinstance(task["id"], int)


# ---------------------------------------------------------------- root


async def test_root(client: httpx.AsyncClient) -> None:
    r = await client.get("/")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"version", "commit", "kafka_cluster_id"}
    assert body["kafka_cluster_id"] == "fake-cluster"


# ---------------------------------------------------------------- connectors


async def test_list_connectors(client: httpx.AsyncClient) -> None:
    r = await client.get("/connectors")
    assert r.status_code == 200
    assert r.json() == ["sink-a", "source-b"]


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        ("expand=status", {"status"}),
        ("expand=info", {"info"}),
        ("expand=status&expand=info", {"status", "info"}),
    ],
)
async def test_list_connectors_expanded(
    client: httpx.AsyncClient, query: str, keys: set[str]
) -> None:
    r = await client.get(f"/connectors?{query}")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"sink-a", "source-b"}
    for name, value in body.items():
        assert set(value) == keys
        if "info" in value:
            assert set(value["info"]) == INFO_KEYS
            assert value["info"]["name"] == name
        if "status" in value:
            assert_status_shape(value["status"], name)
    assert SECRET not in r.text


async def test_create_connector(client: httpx.AsyncClient, herder: FakeHerder) -> None:
    body = {
        "name": "new",
        "config": {"connector.class": "demo-sink", "topics": "x", "tasks.max": "1"},
    }
    r = await client.post("/connectors", json=body)
    assert r.status_code == 201, r.text
    info = r.json()
    assert set(info) == INFO_KEYS
    assert info["name"] == "new"
    assert info["config"]["name"] == "new"  # Kafka Connect adds the name to the config
    assert info["tasks"] == [{"connector": "new", "task": 0}]
    assert info["type"] == "sink"
    assert r.headers["location"] == "/connectors/new"

    again = await client.post("/connectors", json=body)
    assert_error(again, 409)


async def test_create_connector_in_initial_state(
    client: httpx.AsyncClient, herder: FakeHerder
) -> None:
    body = {
        "name": "held",
        "config": {"connector.class": "demo-sink", "topics": "x"},
        "initial_state": "STOPPED",
    }
    r = await client.post("/connectors", json=body)
    assert r.status_code == 201
    assert herder.store["held"].target == TargetState.STOPPED


@pytest.mark.parametrize(
    "body",
    [
        {"config": {"connector.class": "demo-sink"}},
        {"name": "x"},
        {"name": "", "config": {"connector.class": "demo-sink"}},
        {"name": "a/b", "config": {"connector.class": "demo-sink"}},
        {"name": "x", "config": {"connector.class": "demo-sink", "name": "other"}},
        {"name": "x", "config": "not an object"},
        ["not", "an", "object"],
    ],
)
async def test_create_connector_bad_body(client: httpx.AsyncClient, body: Any) -> None:
    r = await client.post("/connectors", json=body)
    assert_error(r, 400)


async def test_malformed_json_is_400_with_message(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/connectors",
        content=b'{"name": "x", "config": {',
        headers={"content-type": "application/json"},
    )
    body = assert_error(r, 400)
    assert "JSON" in body["message"]
    r = await client.put(
        "/connectors/x/config", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert "JSON" in assert_error(r, 400)["message"]


async def test_get_connector(client: httpx.AsyncClient) -> None:
    r = await client.get("/connectors/sink-a")
    assert r.status_code == 200
    info = r.json()
    assert set(info) == INFO_KEYS
    assert info["tasks"] == [{"connector": "sink-a", "task": 0}, {"connector": "sink-a", "task": 1}]
    assert info["config"]["api.key"] == MASK  # SecretStr in the plugin's model
    assert info["config"]["db.password"] == MASK  # secret by its name
    assert info["config"]["topics"] == "t1,t2"
    assert SECRET not in r.text


async def test_unknown_connector_is_404_everywhere(client: httpx.AsyncClient) -> None:
    for method, path in [
        ("GET", "/connectors/nope"),
        ("DELETE", "/connectors/nope"),
        ("GET", "/connectors/nope/config"),
        ("GET", "/connectors/nope/status"),
        ("GET", "/connectors/nope/tasks"),
        ("GET", "/connectors/nope/tasks/0/status"),
        ("POST", "/connectors/nope/tasks/0/restart"),
        ("PUT", "/connectors/nope/pause"),
        ("PUT", "/connectors/nope/resume"),
        ("PUT", "/connectors/nope/stop"),
        ("POST", "/connectors/nope/restart"),
        ("POST", "/connectors/nope/restart?includeTasks=true"),
        ("GET", "/connectors/nope/topics"),
        ("GET", "/connectors/nope/offsets"),
        ("DELETE", "/connectors/nope/offsets"),
    ]:
        r = await client.request(method, path)
        body = assert_error(r, 404)
        assert "nope" in body["message"], (method, path)


async def test_delete_connector(client: httpx.AsyncClient, herder: FakeHerder) -> None:
    r = await client.delete("/connectors/source-b")
    assert r.status_code == 204
    assert r.content == b""
    assert "source-b" not in herder.store


async def test_get_config(client: httpx.AsyncClient) -> None:
    r = await client.get("/connectors/sink-a/config")
    assert r.status_code == 200
    config = r.json()
    assert config["connector.class"] == "demo-sink"
    assert config["api.key"] == MASK
    assert SECRET not in r.text


async def test_put_config_creates_then_updates(client: httpx.AsyncClient) -> None:
    config = {"connector.class": "demo-sink", "topics": "a", "tasks.max": "1"}
    r = await client.put("/connectors/fresh/config", json=config)
    assert r.status_code == 201
    assert set(r.json()) == INFO_KEYS
    r = await client.put("/connectors/fresh/config", json={**config, "tasks.max": "3"})
    assert r.status_code == 200
    info = r.json()
    assert set(info) == INFO_KEYS
    assert len(info["tasks"]) == 3
    assert info["config"]["name"] == "fresh"


async def test_put_config_name_mismatch(client: httpx.AsyncClient) -> None:
    r = await client.put("/connectors/a/config", json={"connector.class": "x", "name": "b"})
    assert "doesn't match" in assert_error(r, 400)["message"]


async def test_put_config_invalid_from_herder(client: httpx.AsyncClient) -> None:
    r = await client.put("/connectors/a/config", json={"topics": "x"})
    assert "connector.class" in assert_error(r, 400)["message"]


async def test_status(client: httpx.AsyncClient, herder: FakeHerder) -> None:
    herder.store["sink-a"].tasks[1] = State.FAILED
    r = await client.get("/connectors/sink-a/status")
    assert r.status_code == 200
    body = r.json()
    assert_status_shape(body, "sink-a")
    assert body["type"] == "sink"
    assert body["connector"] == {"state": "RUNNING", "worker_id": "127.0.0.1:8083"}
    assert body["tasks"][0] == {"id": 0, "state": "RUNNING", "worker_id": "127.0.0.1:8083"}
    assert body["tasks"][1]["state"] == "FAILED"
    assert "trace" in body["tasks"][1]


async def test_tasks(client: httpx.AsyncClient) -> None:
    r = await client.get("/connectors/sink-a/tasks")
    assert r.status_code == 200
    tasks = r.json()
    assert [t["id"] for t in tasks] == [
        {"connector": "sink-a", "task": 0},
        {"connector": "sink-a", "task": 1},
    ]
    for task in tasks:
        assert set(task) == {"id", "config"}
        assert task["config"]["api.key"] == MASK
    assert SECRET not in r.text


async def test_task_status(client: httpx.AsyncClient) -> None:
    r = await client.get("/connectors/sink-a/tasks/1/status")
    assert r.status_code == 200
    assert r.json() == {"id": 1, "state": "RUNNING", "worker_id": "127.0.0.1:8083"}
    assert_error(await client.get("/connectors/sink-a/tasks/7/status"), 404)
    assert_error(await client.get("/connectors/sink-a/tasks/x/status"), 400)


async def test_task_restart(client: httpx.AsyncClient, herder: FakeHerder) -> None:
    r = await client.post("/connectors/sink-a/tasks/1/restart")
    assert r.status_code == 204
    assert herder.store["sink-a"].restarts == [("task-1", False, False)]
    assert_error(await client.post("/connectors/sink-a/tasks/9/restart"), 404)


async def test_pause_resume_stop(client: httpx.AsyncClient, herder: FakeHerder) -> None:
    r = await client.put("/connectors/sink-a/pause")
    assert r.status_code == 202 and r.content == b""
    assert herder.store["sink-a"].target == TargetState.PAUSED
    r = await client.put("/connectors/sink-a/resume")
    assert r.status_code == 202
    assert herder.store["sink-a"].target == TargetState.STARTED
    r = await client.put("/connectors/sink-a/stop")
    assert r.status_code == 204
    assert herder.store["sink-a"].target == TargetState.STOPPED


async def test_restart_connector_only(client: httpx.AsyncClient, herder: FakeHerder) -> None:
    r = await client.post("/connectors/sink-a/restart")
    assert r.status_code == 204
    assert herder.store["sink-a"].restarts == [("connector", False, False)]


async def test_restart_with_tasks_returns_plan(
    client: httpx.AsyncClient, herder: FakeHerder
) -> None:
    herder.store["sink-a"].tasks[1] = State.FAILED
    r = await client.post("/connectors/sink-a/restart?includeTasks=true&onlyFailed=true")
    assert r.status_code == 202
    body = r.json()
    assert_status_shape(body, "sink-a")
    assert body["connector"]["state"] == "RUNNING"  # not failed: not restarted
    assert [t["state"] for t in body["tasks"]] == ["RUNNING", "RESTARTING"]
    assert herder.store["sink-a"].restarts == [("connector", True, True)]

    r = await client.post("/connectors/sink-a/restart?includeTasks=true")
    assert r.status_code == 202
    body = r.json()
    assert body["connector"]["state"] == "RESTARTING"
    assert {t["state"] for t in body["tasks"]} == {"RESTARTING"}


async def test_topics(client: httpx.AsyncClient) -> None:
    r = await client.get("/connectors/sink-a/topics")
    assert r.status_code == 200
    assert r.json() == {"sink-a": {"topics": ["t1", "t2"]}}


SINK_OFFSETS = [
    {"partition": {"kafka_topic": "t1", "kafka_partition": 0}, "offset": {"kafka_offset": 42}},
    {"partition": {"kafka_topic": "t1", "kafka_partition": 1}, "offset": {"kafka_offset": 7}},
]


async def test_offsets_get_and_refused_unless_stopped(
    client: httpx.AsyncClient, herder: FakeHerder
) -> None:
    herder.store["sink-a"].offsets = list(SINK_OFFSETS)
    r = await client.get("/connectors/sink-a/offsets")
    assert r.status_code == 200
    assert r.json() == {"offsets": SINK_OFFSETS}

    r = await client.patch("/connectors/sink-a/offsets", json={"offsets": SINK_OFFSETS[:1]})
    assert "STOPPED" in assert_error(r, 409)["message"]
    assert (
        "STOPPED" in assert_error(await client.delete("/connectors/sink-a/offsets"), 409)["message"]
    )


async def test_offsets_alter_and_reset_when_stopped(
    client: httpx.AsyncClient, herder: FakeHerder
) -> None:
    herder.store["sink-a"].offsets = list(SINK_OFFSETS)
    await client.put("/connectors/sink-a/stop")
    r = await client.patch(
        "/connectors/sink-a/offsets",
        json={
            "offsets": [{"partition": SINK_OFFSETS[0]["partition"], "offset": {"kafka_offset": 5}}]
        },
    )
    assert r.status_code == 200
    assert set(r.json()) == {"message"}
    assert herder.store["sink-a"].offsets[0]["offset"] == {"kafka_offset": 5}

    r = await client.delete("/connectors/sink-a/offsets")
    assert r.status_code == 200
    assert set(r.json()) == {"message"}
    assert herder.store["sink-a"].offsets == []


@pytest.mark.parametrize(
    "body",
    [{}, {"offsets": []}, {"offsets": [{"offset": {"x": 1}}]}, {"offsets": "nope"}],
)
async def test_offsets_patch_bad_body(client: httpx.AsyncClient, body: Any) -> None:
    assert_error(await client.patch("/connectors/sink-a/offsets", json=body), 400)


# ---------------------------------------------------------------- plugins


async def test_connector_plugins(client: httpx.AsyncClient) -> None:
    r = await client.get("/connector-plugins")
    assert r.status_code == 200
    plugins = r.json()
    assert plugins == [
        {"class": "tests.unit.rest.conftest.DemoSink", "type": "sink", "version": "1.2.3"}
    ]
    r = await client.get("/connector-plugins?connectorsOnly=false")
    kinds = {p["type"] for p in r.json()}
    assert kinds == {"sink", "transformation"}
    for plugin in r.json():
        assert set(plugin) == {"class", "type", "version"}


async def test_plugin_config(client: httpx.AsyncClient) -> None:
    for name in ("demo-sink", "DemoSink", "tests.unit.rest.conftest.DemoSink"):
        r = await client.get(f"/connector-plugins/{name}/config")
        assert r.status_code == 200, name
    keys = {k["name"]: k for k in r.json()}
    for key in keys.values():
        assert set(key) == CONFIG_KEY_INFO_KEYS
    assert keys["topics"]["type"] == "LIST" and keys["topics"]["required"] is True
    assert keys["topics"]["documentation"] == "Topics to read"
    assert keys["api.key"]["type"] == "PASSWORD"
    assert keys["batch.size"] == {**keys["batch.size"], "type": "LONG", "default_value": "100"}
    assert keys["demo.ratio"]["type"] == "DOUBLE"
    assert keys["demo.enabled"]["default_value"] == "true"
    assert keys["demo.mode"]["type"] == "STRING"
    assert keys["demo.prefix"]["default_value"] is None


async def test_unknown_plugin_is_404(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/connector-plugins/nope/config"), 404)
    r = await client.put("/connector-plugins/nope/config/validate", json={})
    assert_error(r, 404)
    # names that would import modules are never resolved from a URL
    assert_error(await client.get("/connector-plugins/this:x/config"), 404)


async def test_validate(client: httpx.AsyncClient, herder: FakeHerder) -> None:
    r = await client.put(
        "/connector-plugins/demo-sink/config/validate", json={"db.password": SECRET}
    )
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"name", "error_count", "groups", "configs"}
    assert body["error_count"] == 1
    for item in body["configs"]:
        assert set(item) == {"definition", "value"}
        assert set(item["value"]) == {"name", "value", "recommended_values", "errors", "visible"}
    by_name = {c["value"]["name"]: c["value"] for c in body["configs"]}
    assert by_name["topics"]["errors"] == ["Missing required configuration"]
    assert by_name["db.password"]["value"] == MASK
    assert SECRET not in r.text
    # connector.class is filled in from the path, as Kafka Connect does
    assert herder.validated[-1][1]["connector.class"] == "demo-sink"


async def test_validate_class_mismatch_and_non_connector(client: httpx.AsyncClient) -> None:
    r = await client.put(
        "/connector-plugins/demo-sink/config/validate", json={"connector.class": "other"}
    )
    assert "does not match" in assert_error(r, 400)["message"]
    r = await client.put("/connector-plugins/upper/config/validate", json={})
    assert_error(r, 400)
    r = await client.put(
        "/connector-plugins/demo-sink/config/validate",
        content=b"[1,",
        headers={"content-type": "application/json"},
    )
    assert_error(r, 400)


# ---------------------------------------------------------------- admin/loggers


async def test_loggers(client: httpx.AsyncClient) -> None:
    r = await client.put("/admin/loggers/smart.test.rest", json={"level": "DEBUG"})
    assert r.status_code == 200
    assert r.json() == ["smart.test.rest"]
    r = await client.put("/admin/loggers/smart.test.rest.child", json={"level": "WARN"})
    assert r.json() == ["smart.test.rest.child"]
    r = await client.put("/admin/loggers/smart.test", json={"level": "ERROR"})
    assert r.json() == ["smart.test", "smart.test.rest", "smart.test.rest.child"]

    r = await client.get("/admin/loggers/smart.test.rest.child")
    assert r.status_code == 200
    body = r.json()
    assert body["level"] == "ERROR"
    assert isinstance(body["last_modified"], int)

    r = await client.get("/admin/loggers")
    assert r.status_code == 200
    levels = r.json()
    assert "root" in levels
    assert levels["smart.test"]["level"] == "ERROR"

    assert_error(await client.get("/admin/loggers/no.such.logger.here"), 404)
    assert_error(await client.put("/admin/loggers/smart.test", json={"level": "LOUD"}), 400)
    assert_error(await client.put("/admin/loggers/smart.test", json={}), 400)
    r = await client.put("/admin/loggers/smart.test?scope=cluster", json={"level": "INFO"})
    assert r.status_code == 204


# ---------------------------------------------------------------- generic errors


async def test_unknown_path_and_method(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/nowhere"), 404)
    assert_error(await client.post("/connectors/sink-a/status"), 405)


async def test_openapi_document(client: httpx.AsyncClient) -> None:
    r = await client.get("/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    paths = doc["paths"]
    for path in [
        "/",
        "/connectors",
        "/connectors/{name}",
        "/connectors/{name}/config",
        "/connectors/{name}/status",
        "/connectors/{name}/tasks",
        "/connectors/{name}/tasks/{task_id}/status",
        "/connectors/{name}/tasks/{task_id}/restart",
        "/connectors/{name}/pause",
        "/connectors/{name}/resume",
        "/connectors/{name}/stop",
        "/connectors/{name}/restart",
        "/connectors/{name}/topics",
        "/connectors/{name}/offsets",
        "/connector-plugins",
        "/connector-plugins/{plugin}/config",
        "/connector-plugins/{plugin}/config/validate",
        "/admin/loggers",
        "/admin/loggers/{logger}",
    ]:
        assert path in paths, path
    for operations in paths.values():
        for operation in operations.values():
            assert "422" not in operation["responses"]  # errors are 400, Kafka Connect's shape
