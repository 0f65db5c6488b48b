"""REST details a new user trips on: misspelled keys in validate and create, topics/reset,
bodies sent without ``Content-Type: application/json``."""

from __future__ import annotations

from pathlib import Path

import pytest
from structlog.testing import capture_logs

from connect.herder.base import BadRequest
from connect.herder.standalone import StandaloneHerder
from tests.helpers.kafka import create_topic
from tests.integration.rest.conftest import Rest, worker_config

pytestmark = pytest.mark.kafka


async def test_validate_names_a_misspelled_key(rest: Rest, tmp_path: Path) -> None:
    config = {"topics": "t", "fiel": str(tmp_path / "out.txt")}
    r = await rest.http.put("/connector-plugins/file-sink/config/validate", json=config)
    assert r.status_code == 200, r.text
    body = r.json()
    errors = {c["value"]["name"]: c["value"]["errors"] for c in body["configs"]}
    assert errors["fiel"] == ["unknown key, did you mean 'file'? (file is required)"]
    assert errors["file"] == []  # not "required key is missing": the typo is named
    assert body["error_count"] == 1

    config = {"topics": "t", "file": str(tmp_path / "out.txt"), "batch.sise": "5"}
    r = await rest.http.put("/connector-plugins/file-sink/config/validate", json=config)
    body = r.json()
    assert body["error_count"] == 1  # Kafka Connect's shape: the entry carries the message
    assert body["warnings"] == ["batch.sise: unknown key: nothing reads it"]


async def test_create_with_a_misspelled_key_warns_in_the_log(
    rest: Rest, kafka_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    topic = f"t-{unique}"
    await create_topic(kafka_bootstrap, topic)
    config = {
        "connector.class": "file-sink",
        "topics": topic,
        "file": str(tmp_path / "out.txt"),
        "value.convertor": "string",
    }
    with capture_logs() as logs:
        r = await rest.http.post("/connectors", json={"name": unique, "config": config})
    assert r.status_code == 201, r.text  # a warning does not fail creation
    [warning] = [e for e in logs if e["event"] == "unknown config key"]
    assert warning["connector"] == unique
    assert warning["key"] == "value.convertor"
    assert warning["did_you_mean"] == "value.converter"


async def test_topics_reset(rest: Rest, kafka_bootstrap: str, unique: str, tmp_path: Path) -> None:
    topic = f"t-{unique}"
    await create_topic(kafka_bootstrap, topic)
    config = {"connector.class": "file-sink", "topics": topic, "file": str(tmp_path / "o.txt")}
    assert (await rest.http.post("/connectors", json={"name": unique, "config": config})).is_success
    topics = f"/connectors/{unique}/topics"
    assert (await rest.http.get(topics)).json() == {unique: {"topics": [topic]}}
    r = await rest.http.put(f"{topics}/reset")
    assert r.status_code == 200, r.text
    assert (await rest.http.get(topics)).json() == {unique: {"topics": []}}
    assert (await rest.http.put("/connectors/nope/topics/reset")).status_code == 404


async def test_body_without_json_content_type_is_415(rest: Rest) -> None:
    r = await rest.http.post(
        "/connectors",
        content=b'{"name": "x", "config": {}}',
        headers={"Content-Type": "text/plain"},
    )
    assert r.status_code == 415
    body = r.json()
    assert body["error_code"] == 415
    assert "application/json" in body["message"] and "text/plain" in body["message"]
    r = await rest.http.put(
        "/connector-plugins/file-sink/config/validate", content=b"{}", headers={}
    )
    assert r.status_code == 415, r.text


async def test_unknown_keys_are_errors_with_config_unknown_keys_error(
    kafka_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    config = {**worker_config(kafka_bootstrap, unique), "config.unknown.keys": "error"}
    task = {
        "connector.class": "file-sink",
        "topics": f"t-{unique}",
        "file": str(tmp_path / "o.txt"),
        "batch.sise": "5",
    }
    async with StandaloneHerder.running(config) as herder:
        with pytest.raises(BadRequest, match=r"batch\.sise: unknown key"):
            await herder.put_connector_config(unique, task, allow_replace=False)
        assert await herder.connectors() == []
        infos = await herder.validate("file-sink", task)
        assert infos["error_count"] == 1 and infos["warnings"] == []
