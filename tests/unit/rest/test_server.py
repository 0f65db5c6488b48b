"""RestServer: serves in the current loop, binds its own sockets, stops cleanly."""

from __future__ import annotations

import base64
import socket
from pathlib import Path

import httpx
import pytest

from connect.api.errors import ConfigError
from connect.rest.auth import AuthConfig, parse_credentials
from connect.rest.server import RestServer, parse_listeners
from tests.unit.rest.fake_herder import FakeHerder


def test_parse_listeners() -> None:
    assert parse_listeners(None) == [("127.0.0.1", 8083)]
    assert parse_listeners("http://0.0.0.0:9000, http://localhost:0") == [
        ("0.0.0.0", 9000),
        ("localhost", 0),
    ]
    assert parse_listeners("http://[::1]:8083") == [("::1", 8083)]
    with pytest.raises(ConfigError, match="only http"):
        parse_listeners("https://127.0.0.1:8443")


async def test_serves_and_stops() -> None:
    server = RestServer(FakeHerder(), listeners="http://127.0.0.1:0")
    await server.start()
    try:
        assert server.url.startswith("http://127.0.0.1:")
        async with httpx.AsyncClient(base_url=server.url) as client:
            r = await client.get("/connectors")
            assert r.status_code == 200
            assert r.json() == []
    finally:
        await server.stop()
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient(base_url=server.url) as client:
            await client.get("/")
    await server.stop()  # idempotent


async def test_port_in_use_raises_oserror() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        server = RestServer(FakeHerder(), listeners=f"http://127.0.0.1:{port}")
        with pytest.raises(OSError):
            await server.start()
        await server.stop()


def test_parse_credentials() -> None:
    assert parse_credentials("# users\nalice: s3cret\n\nbob:pw:with:colons\n") == {
        "alice": "s3cret",
        "bob": "pw:with:colons",
    }
    assert parse_credentials('{"carol": "x"}') == {"carol": "x"}
    with pytest.raises(ConfigError, match="line 1"):
        parse_credentials("no separator")


async def test_auth_basic_and_bearer(tmp_path: Path) -> None:
    creds = tmp_path / "users.txt"
    creds.write_text("alice: s3cret\n")
    auth = AuthConfig.from_worker_config(
        {"rest.auth.credentials.file": str(creds), "rest.auth.token": "tok-123"}
    )
    assert auth is not None
    server = RestServer(FakeHerder(), listeners="http://127.0.0.1:0", auth=auth)
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url) as client:
            r = await client.get("/connectors")
            assert r.status_code == 401
            assert r.json()["error_code"] == 401
            assert r.headers["www-authenticate"].startswith("Basic")
            assert (await client.get("/openapi.json")).status_code == 401
            r = await client.get("/connectors", auth=("alice", "wrong"))
            assert r.status_code == 401
            r = await client.get("/connectors", auth=("alice", "s3cret"))
            assert r.status_code == 200
            r = await client.get("/connectors", headers={"Authorization": "Bearer tok-123"})
            assert r.status_code == 200
            r = await client.get("/connectors", headers={"Authorization": "Bearer nope"})
            assert r.status_code == 401
            bad = base64.b64encode(b"\xff\xfe").decode()
            r = await client.get("/connectors", headers={"Authorization": f"Basic {bad}"})
            assert r.status_code == 401
    finally:
        await server.stop()


def test_no_auth_configured() -> None:
    assert AuthConfig.from_worker_config({}) is None
    assert AuthConfig().allows(None)
