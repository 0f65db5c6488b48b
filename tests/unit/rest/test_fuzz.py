"""The API fuzzed from its own OpenAPI document: no 5xx, documented responses, no secrets.

Runs in-process over ASGI against the in-memory herder; bounded by ``max_examples``.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import CheckContext, Response
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from connect.rest.app import create_app
from tests.unit.rest.conftest import DemoSink, Upper, _plugin
from tests.unit.rest.fake_herder import SECRET, FakeHerder


def _app() -> Any:
    from connect.plugins import PluginRegistry

    herder = FakeHerder()
    herder.add(
        "sink-a",
        {"connector.class": "demo-sink", "topics": "t", "api.key": SECRET, "x.password": SECRET},
    )
    herder.add("source-b", {"connector.class": "demo-source", "my.secret": SECRET}, tasks=1)
    reg = PluginRegistry.__new__(PluginRegistry)
    reg.plugins = [_plugin(DemoSink, "demo-sink", "sink"), _plugin(Upper, "upper", "transform")]
    return create_app(herder, plugins_registry=reg)


# Steer most generated names to connectors and plugins that exist, so the fuzzer reaches
# the responses that carry configs (where a secret could leak), not only 404s.
_CONFIG = schemathesis.Config.from_dict(
    {
        "dictionaries": {
            "connectors": {"values": ["sink-a", "source-b"]},
            "plugins": {"values": ["demo-sink", "upper"]},
            "expand": {"values": ["info", "status"]},
        },
        "parameters": {
            "path.name": {"dictionary": "connectors", "probability": 0.8},
            "path.plugin": {"dictionary": "plugins", "probability": 0.8},
            "query.expand": {"dictionary": "expand", "probability": 0.8},
        },
    }
)
schema = schemathesis.openapi.from_asgi("/openapi.json", _app(), config=_CONFIG)


@schemathesis.check
def no_secret_in_response(ctx: CheckContext, response: Response, case: Any) -> bool | None:
    """A stored secret never comes back, whatever was asked."""
    if SECRET in response.text:
        raise AssertionError(f"secret leaked by {case.method} {case.path}")
    return None


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_fuzz(case: schemathesis.Case) -> None:
    case.call_and_validate(
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
            no_secret_in_response,
        ]
    )
