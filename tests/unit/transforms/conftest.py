"""Helpers for transform tests: a registry, a one-step chain builder and a schema check."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from connect.plugins import PluginRegistry
from connect.transforms import TransformChain
from tests.unit.transforms.helpers import OneStep


@pytest.fixture(scope="session")
def registry() -> PluginRegistry:
    return PluginRegistry()


@pytest.fixture
def one(registry: PluginRegistry) -> OneStep:
    """``one("InsertField$Value", {"topic.field": "t"})``: a chain of that single transform."""

    def build(type_: str, options: Mapping[str, Any] | None = None) -> TransformChain:
        config: dict[str, Any] = {"transforms": "t", "transforms.t.type": type_}
        config.update({f"transforms.t.{k}": v for k, v in (options or {}).items()})
        return TransformChain.from_config(config, registry)

    return build
