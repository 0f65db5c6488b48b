"""The predicates on their own."""

from __future__ import annotations

from typing import Any

import pytest

from connect.api import ConfigError, Predicate
from connect.plugins import PluginRegistry
from tests.unit.transforms.helpers import sink


def predicate(registry: PluginRegistry, type_: str, **options: Any) -> Predicate:
    instance = registry.predicate(type_)()
    instance.configure(options)
    return instance


def test_topic_name_matches_the_whole_topic(registry: PluginRegistry) -> None:
    p = predicate(registry, "TopicNameMatches", pattern="orders|sales-.*")
    assert p.test(sink(topic="orders"))
    assert p.test(sink(topic="sales-eu"))
    assert not p.test(sink(topic="orders-dlq"))


def test_has_header_key(registry: PluginRegistry) -> None:
    p = predicate(
        registry, "org.apache.kafka.connect.transforms.predicates.HasHeaderKey", name="trace"
    )
    assert p.test(sink(headers=(("a", b"1"), ("trace", None))))
    assert not p.test(sink(headers=(("a", b"1"),)))


def test_record_is_tombstone(registry: PluginRegistry) -> None:
    p = predicate(registry, "RecordIsTombstone")
    assert p.test(sink(None, key="k"))
    assert not p.test(sink({}))
    assert not p.test(sink(""))


def test_tombstones_can_be_filtered_through_a_chain(registry: PluginRegistry) -> None:
    from connect.transforms import TransformChain

    chain = TransformChain.from_config(
        {
            "transforms": "dropTombstones",
            "transforms.dropTombstones.type": "Filter",
            "transforms.dropTombstones.predicate": "tomb",
            "predicates": "tomb",
            "predicates.tomb.type": "RecordIsTombstone",
        },
        registry,
    )
    assert chain.apply(sink(None)) is None
    assert chain.apply(sink({"a": 1})) is not None


def test_missing_predicate_option(registry: PluginRegistry) -> None:
    from connect.transforms import TransformChain

    with pytest.raises(ConfigError) as info:
        TransformChain.from_config(
            {"predicates": "h", "predicates.h.type": "HasHeaderKey"}, registry
        )
    assert info.value.key == "predicates.h.name"
