"""The console's server side: pasted task shapes, the same-origin and read-only guard,
static assets shipped with the package, and which clusters a worker knows."""

from __future__ import annotations

import json

import httpx
import pytest

from connect.rest.app import create_app
from connect.rest.cluster import _sides
from connect.rest.ui import STATIC, parse_task_text
from tests.unit.rest.fake_herder import FakeHerder


def test_parse_kafka_connect_flat_and_huawei_shapes() -> None:
    kafka = parse_task_text('{"name": "a", "config": {"connector.class": "file-sink"}}')
    assert kafka == {"name": "a", "config": {"connector.class": "file-sink"}, "shape": "kafka"}
    flat = parse_task_text('{"name": "b", "connector.class": "file-sink", "file": "x"}')
    assert flat["config"] == {"connector.class": "file-sink", "file": "x"}
    assert flat["shape"] == "flat"
    huawei = parse_task_text(
        json.dumps(
            {
                "task_name": "dump",
                "topics": "orders",
                "source_type": "NONE",
                "sink_type": "OBS_SINK",
                "sink_task": {"obs_bucket_name": "b", "consumer_strategy": "earliest"},
            }
        )
    )
    assert huawei["name"] == "dump"
    assert huawei["config"] == {
        "connector.class": "OBS_SINK",
        "obs_bucket_name": "b",
        "consumer_strategy": "earliest",
        "topics": "orders",
    }


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("{", "not valid JSON: line 1"),
        ("[1]", "expected a JSON object"),
        ('{"foo": 1}', "no connector found"),
        ('{"task_name": "x", "source_type": "NONE"}', "source_type or sink_type"),
        ('{"task_name": "x", "sink_type": "OBS_SINK"}', "sink_task"),
    ],
)
def test_parse_errors_name_the_problem(text: str, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        parse_task_text(text)


def _client(read_only: bool = False) -> httpx.AsyncClient:
    app = create_app(FakeHerder(), ui_read_only=read_only)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://w:8083")


async def test_cross_origin_changes_are_refused_same_origin_pass() -> None:
    async with _client() as http:
        evil = await http.post(
            "/ui/api/tasks/parse", json={"text": "{}"}, headers={"Origin": "http://evil.example"}
        )
        assert evil.status_code == 403
        assert "Cross-origin request refused" in evil.json()["message"]
        site = await http.delete("/connectors/x", headers={"Sec-Fetch-Site": "cross-site"})
        assert site.status_code == 403
        same = await http.post(
            "/ui/api/tasks/parse", json={"text": "{}"}, headers={"Origin": "http://w:8083"}
        )
        assert same.status_code == 400  # reached the route: "{}" names no connector
        scripted = await http.post("/ui/api/tasks/parse", json={"text": "{}"})
        assert scripted.status_code == 400
        read = await http.get("/ui/api/session", headers={"Origin": "http://evil.example"})
        assert read.status_code == 200 and read.json()["read_only"] is False


async def test_read_only_refuses_every_change_from_the_console() -> None:
    async with _client(read_only=True) as http:
        assert (await http.get("/ui/api/session")).json()["read_only"] is True
        for headers in ({"Origin": "http://w:8083"}, {"X-Smart-Connect-UI": "1"}):
            r = await http.put("/connectors/x/pause", headers=headers)
            assert r.status_code == 403
            assert "read-only" in r.json()["message"]
            r = await http.post(
                "/ui/api/clusters/worker/topics", json={"name": "t"}, headers=headers
            )
            assert r.status_code == 403
        # scripts and the CLI keep the REST API
        assert (await http.put("/connectors/x/pause")).status_code == 404


async def test_page_and_assets_are_served_from_the_package() -> None:
    assert {p.name for p in STATIC.iterdir()} >= {"index.html", "app.js", "style.css"}
    async with _client() as http:
        index = await http.get("/ui/")
        assert index.status_code == 200
        assert "frame-ancestors 'none'" in index.headers["content-security-policy"]
        assert "static/app.js" in index.text
        assert (await http.get("/ui", follow_redirects=False)).status_code == 308
        js = await http.get("/ui/static/app.js")
        assert js.status_code == 200 and "javascript" in js.headers["content-type"]
        assert "http://" not in index.text and "https://" not in js.text.replace("http://${", "")


def test_mirror_sides_are_clusters_without_their_secrets() -> None:
    config = {
        "connector.class": "mirror-source",
        "source.cluster.alias": "dc1",
        "source.cluster.bootstrap.servers": "a:9092",
        "source.cluster.security.protocol": "SASL_SSL",
        "source.cluster.sasl.password": "s3cret",
        "target.cluster.bootstrap.servers": "b:9092",
        "topics": "x",
    }
    sides = {c.id: c for c in _sides("m", config)}
    assert set(sides) == {"m.source", "m.target"}
    assert sides["m.source"].clients.connection["sasl.password"] == "s3cret"
    shown = json.dumps([c.to_json() for c in sides.values()])
    assert "s3cret" not in shown and "a:9092" in shown and "dc1" in shown
