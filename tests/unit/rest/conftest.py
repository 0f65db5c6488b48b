"""A REST app over the in-memory herder, a plugin registry with test plugins, a client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, ClassVar, Literal

import httpx
import pytest
from pydantic import BaseModel, Field, SecretStr

from connect.api import ConnectorConfig, SinkConnector, SinkRecord, SinkTask, Transformation
from connect.plugins import Plugin, PluginRegistry
from connect.rest.app import create_app
from tests.unit.rest.fake_herder import SECRET, FakeHerder


class DemoSinkConfig(ConnectorConfig):
    """A model with every kind of field the config endpoint maps."""

    topics: list[str] = Field(description="Topics to read")
    api_key: SecretStr = Field(alias="api.key", description="The target's API key")
    batch_size: int = Field(100, alias="batch.size", description="Records per write")
    ratio: float = Field(0.5, alias="demo.ratio")
    enabled: bool = Field(True, alias="demo.enabled")
    mode: Literal["append", "replace"] = Field("append", alias="demo.mode")
    prefix: str | None = Field(None, alias="demo.prefix")


class DemoSinkTask(SinkTask):
    async def put(self, records: list[SinkRecord]) -> None:
        return None


class DemoSink(SinkConnector):
    """Test sink plugin."""

    config_model: ClassVar[type[BaseModel]] = DemoSinkConfig
    version = "1.2.3"
    aliases = ("demo-sink",)

    def task_class(self) -> type[SinkTask]:
        return DemoSinkTask


class Upper(Transformation):
    """Test transform plugin."""

    version = "0.1.0"

    def apply(self, record: Any) -> Any:
        return record


def _plugin(cls: type, name: str, kind: Any) -> Plugin:
    names = {name, cls.__name__, f"{cls.__module__}:{cls.__qualname__}"}
    names.update(getattr(cls, "aliases", ()))
    return Plugin(name, kind, cls, str(cls.version), "tests", names)


@pytest.fixture
def plugins() -> PluginRegistry:
    reg = PluginRegistry.__new__(PluginRegistry)
    reg.plugins = [_plugin(DemoSink, "demo-sink", "sink"), _plugin(Upper, "upper", "transform")]
    return reg


@pytest.fixture
def herder() -> FakeHerder:
    h = FakeHerder()
    h.add(
        "sink-a",
        {
            "connector.class": "demo-sink",
            "topics": "t1,t2",
            "api.key": SECRET,
            "db.password": SECRET,
            "tasks.max": "2",
        },
    )
    h.add("source-b", {"connector.class": "demo-source", "sasl.jaas.config": SECRET}, tasks=1)
    return h


@pytest.fixture
async def client(herder: FakeHerder, plugins: PluginRegistry) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(herder, plugins_registry=plugins)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://rest") as c:
        yield c
