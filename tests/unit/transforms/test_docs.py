"""docs/transforms.md names every built-in transform and predicate and all their options."""

from __future__ import annotations

import importlib.metadata as md
from pathlib import Path

import pytest

from connect.api import Predicate, Transformation
from connect.plugins import PluginRegistry
from connect.transforms.base import options_of

DOC = Path(__file__).parents[3] / "docs" / "transforms.md"
BUILT_INS = sorted(
    ep.name
    for ep in md.entry_points(group="smart_connect.transforms")
    if ep.value.startswith("connect.transforms.")
)


def test_every_builtin_is_registered() -> None:
    assert len(BUILT_INS) == 27


@pytest.mark.parametrize("name", BUILT_INS)
def test_documented_with_its_options(registry: PluginRegistry, name: str) -> None:
    text = DOC.read_text()
    assert f"`{name}`" in text or f"### {name}" in text
    cls = registry.find(name, "transform", "predicate").cls
    assert cls is not None and issubclass(cls, Transformation | Predicate)
    for key, _, _ in options_of(cls.config_model):
        assert f"`{key}`" in text, f"{name}: option {key} is not documented"
    for alias in cls.aliases:
        assert alias.startswith("org.apache.kafka.connect.transforms.")
