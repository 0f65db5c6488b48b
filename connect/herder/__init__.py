"""Herders: the single control surface over connectors (standalone and cluster)."""

from connect.herder.base import ConnectorInfo, Herder, HerderError, NotFound

__all__ = ["ConnectorInfo", "Herder", "HerderError", "NotFound"]
