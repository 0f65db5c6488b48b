"""What every route needs: the herder, the plugin registry, and secret masking."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from connect.api.config import secret_keys
from connect.herder.base import Herder
from connect.plugins import Plugin, PluginRegistry
from connect.secrets import mask


@dataclass
class RestContext:
    """The herder behind the API and the plugins it can describe."""

    herder: Herder
    plugins: PluginRegistry
    kafka_cluster_id: str | None = None

    def find_plugin(self, name: str) -> Plugin | None:
        """A loaded plugin answering to ``name``; never imports anything new.

        REST callers must not be able to make the worker import arbitrary modules, so
        unlike ``PluginRegistry.find`` a ``module:Class`` name resolves only when that
        class is already registered. ``module.Class`` (Kafka's dotted style) works too.
        """
        for plugin in self.plugins.plugins:
            if plugin.cls is None or plugin.kind is None:
                continue
            dotted = f"{plugin.cls.__module__}.{plugin.cls.__qualname__}"
            if name in plugin.names or name == dotted:
                return plugin
        return None

    def secret_keys_of(self, config: Mapping[str, Any]) -> set[str]:
        """Keys the connector named by ``connector.class`` marks secret (``SecretStr``)."""
        name = config.get("connector.class")
        plugin = self.find_plugin(name) if isinstance(name, str) else None
        model = getattr(plugin.cls, "config_model", None) if plugin else None
        if model is None:
            return set()
        try:
            return secret_keys(model)
        except Exception:  # a plugin's odd model must not break a read
            return set()

    def mask_config(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """``config`` with every secret value masked (by key name and by the model)."""
        return mask(config, self.secret_keys_of(config))


def _context(request: Request) -> RestContext:
    ctx: RestContext = request.app.state.rest
    return ctx


Ctx = Annotated[RestContext, Depends(_context)]
