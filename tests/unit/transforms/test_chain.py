"""TransformChain: ordering, predicates, negate, drops, and config errors that name the key."""

from __future__ import annotations

from typing import Any

import pytest

from connect.api import ConfigError, ConnectRecord, DataError, Transformation
from connect.api.transform import R
from connect.plugins import PluginRegistry
from connect.transforms import TransformChain
from tests.unit.transforms.helpers import sink

ROUTE_AND_TAG = {
    "transforms": "route,tag",
    "transforms.route.type": "RegexRouter",
    "transforms.route.regex": "(.*)",
    "transforms.route.replacement": "$1-routed",
    "transforms.tag.type": "InsertField$Value",
    "transforms.tag.topic.field": "seen_topic",
}


def build(registry: PluginRegistry, config: dict[str, Any]) -> TransformChain:
    return TransformChain.from_config(config, registry)


def problem(registry: PluginRegistry, config: dict[str, Any]) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        build(registry, config)
    return info.value


def test_no_transforms_is_an_empty_chain(registry: PluginRegistry) -> None:
    chain = build(registry, {"connector.class": "x"})
    record = sink({"a": 1})
    assert len(chain) == 0
    assert chain.apply(record) is record


def test_transforms_apply_in_configured_order(registry: PluginRegistry) -> None:
    out = build(registry, ROUTE_AND_TAG).apply(sink({"a": 1}))
    assert out is not None
    assert out.topic == "orders-routed"
    assert out.value == {"a": 1, "seen_topic": "orders-routed"}

    reversed_order = build(registry, {**ROUTE_AND_TAG, "transforms": "tag,route"})
    out = reversed_order.apply(sink({"a": 1}))
    assert out is not None
    assert out.value == {"a": 1, "seen_topic": "orders"}


def test_comma_list_may_be_a_json_list_with_spaces(registry: PluginRegistry) -> None:
    chain = build(registry, {**ROUTE_AND_TAG, "transforms": [" route", "tag "]})
    assert [s.alias for s in chain.steps] == ["route", "tag"]


def test_kafka_connect_class_names_are_accepted(registry: PluginRegistry) -> None:
    chain = build(
        registry,
        {
            "transforms": "ins",
            "transforms.ins.type": "org.apache.kafka.connect.transforms.InsertField$Value",
            "transforms.ins.static.field": "dc",
            "transforms.ins.static.value": "eu",
            "predicates": "p",
            "predicates.p.type": "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
            "predicates.p.pattern": "ord.*",
            "transforms.ins.predicate": "p",
        },
    )
    out = chain.apply(sink({}))
    assert out is not None and out.value == {"dc": "eu"}


def filter_config(negate: Any = None) -> dict[str, Any]:
    config = {
        "transforms": "drop",
        "transforms.drop.type": "Filter",
        "transforms.drop.predicate": "isTest",
        "predicates": "isTest",
        "predicates.isTest.type": "TopicNameMatches",
        "predicates.isTest.pattern": "test-.*",
    }
    if negate is not None:
        config["transforms.drop.negate"] = negate
    return config


def test_predicate_gates_the_transform(registry: PluginRegistry) -> None:
    chain = build(registry, filter_config())
    assert chain.apply(sink({"a": 1}, topic="test-1")) is None
    kept = sink({"a": 1}, topic="prod-1")
    assert chain.apply(kept) is kept


@pytest.mark.parametrize("negate", [True, "true", "TRUE"])
def test_negate_inverts_the_predicate(registry: PluginRegistry, negate: Any) -> None:
    chain = build(registry, filter_config(negate))
    kept = sink({"a": 1}, topic="test-1")
    assert chain.apply(kept) is kept
    assert chain.apply(sink({"a": 1}, topic="prod-1")) is None


def test_a_dropped_record_skips_the_rest_of_the_chain(registry: PluginRegistry) -> None:
    config = {
        **filter_config(),
        "transforms": "drop,route",
        "transforms.route.type": "RegexRouter",
        "transforms.route.regex": ".*",
        "transforms.route.replacement": "other",
    }
    chain = build(registry, config)
    assert chain.apply(sink(topic="test-1")) is None
    out = chain.apply(sink(topic="prod"))
    assert out is not None and out.topic == "other"


def test_unknown_transform_type_names_key_and_suggests(registry: PluginRegistry) -> None:
    error = problem(registry, {"transforms": "a", "transforms.a.type": "InsertFeld$Value"})
    assert error.key == "transforms.a.type"
    assert "Did you mean 'InsertField$Value'" in str(error)


def test_missing_type_names_the_type_key(registry: PluginRegistry) -> None:
    error = problem(registry, {"transforms": "a"})
    assert error.key == "transforms.a.type"


def test_missing_option_names_the_option_key(registry: PluginRegistry) -> None:
    error = problem(registry, {"transforms": "a", "transforms.a.type": "HoistField$Value"})
    assert error.key == "transforms.a.field"
    assert "required" in str(error)


def test_a_misspelled_option_is_pointed_out(registry: PluginRegistry) -> None:
    config = {"transforms": "a", "transforms.a.type": "HoistField$Value", "transforms.a.feild": "x"}
    error = problem(registry, config)
    assert error.key == "transforms.a.field"
    assert "instead of transforms.a.feild" in str(error)


def test_invalid_option_value_names_the_option_key(registry: PluginRegistry) -> None:
    config = {"transforms": "c", "transforms.c.type": "Cast$Value", "transforms.c.spec": "a:int7"}
    error = problem(registry, config)
    assert error.key == "transforms.c.spec"
    assert "int7" in str(error) and "Value error" not in str(error)


def test_option_check_in_configure_names_the_option_key(registry: PluginRegistry) -> None:
    config = {
        "transforms": "ts",
        "transforms.ts.type": "TimestampConverter$Value",
        "transforms.ts.target.type": "string",
    }
    assert problem(registry, config).key == "transforms.ts.format"


def test_unknown_predicate_alias_names_the_predicate_key(registry: PluginRegistry) -> None:
    config = {**filter_config(), "transforms.drop.predicate": "isTset"}
    error = problem(registry, config)
    assert error.key == "transforms.drop.predicate"
    assert "Did you mean 'isTest'" in str(error)


def test_bad_predicate_options_name_the_predicate_key(registry: PluginRegistry) -> None:
    config = {**filter_config(), "predicates.isTest.pattern": "("}
    assert problem(registry, config).key == "predicates.isTest.pattern"
    config = {**filter_config(), "predicates.isTest.type": "TopicNameMatchez"}
    assert problem(registry, config).key == "predicates.isTest.type"


def test_bad_negate(registry: PluginRegistry) -> None:
    assert problem(registry, filter_config("maybe")).key == "transforms.drop.negate"
    config = {"transforms": "f", "transforms.f.type": "Filter", "transforms.f.negate": "true"}
    assert problem(registry, config).key == "transforms.f.negate"


def test_duplicate_aliases(registry: PluginRegistry) -> None:
    config = {"transforms": "f,f", "transforms.f.type": "Filter"}
    assert problem(registry, config).key == "transforms"


def test_validate_lists_every_problem(registry: PluginRegistry) -> None:
    config = {
        "transforms": "a,b,c",
        "transforms.a.type": "Nope",
        "transforms.b.type": "ExtractField$Key",
        "transforms.c.type": "Filter",
        "transforms.c.predicate": "missing",
    }
    lines = TransformChain.validate(config, registry)
    keys = [line.split(": ", 1)[0] for line in lines]
    assert keys == ["transforms.a.type", "transforms.b.field", "transforms.c.predicate"]
    assert TransformChain.validate(ROUTE_AND_TAG, registry) == []


class Explode(Transformation):
    """Fails on every record."""

    def apply(self, record: R) -> R | None:
        raise DataError("boom")


def test_a_failing_transform_is_named_in_a_note(registry: PluginRegistry) -> None:
    config = {"transforms": "x", "transforms.x.type": f"{__name__}:Explode"}
    chain = build(registry, config)
    with pytest.raises(DataError) as info:
        chain.apply(sink({}))
    assert any("'x'" in note and "Explode" in note for note in info.value.__notes__)


class Upper(Transformation):
    """A custom transform given as module:Class; keeps whether it was closed."""

    closed = False

    def apply(self, record: R) -> R | None:
        assert isinstance(record, ConnectRecord)
        return record.with_(topic=record.topic.upper())

    def close(self) -> None:
        Upper.closed = True


def test_custom_transform_as_module_class_and_close(registry: PluginRegistry) -> None:
    chain = build(registry, {"transforms": "u", "transforms.u.type": f"{__name__}:Upper"})
    out = chain.apply(sink({}))
    assert out is not None and out.topic == "ORDERS"
    chain.close()
    assert Upper.closed
