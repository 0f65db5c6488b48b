"""Plugin registry: entry points, ``module:Class`` names and ``plugin.path`` folders.

Every plugin has a kind (source, sink, converter, transform, predicate), the names it
answers to (entry point name, class name, declared ``aliases``), a version and where
it came from. A plugin that fails to import is kept as a *broken* entry: listed with
its error, never fatal to the worker.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata as md
import inspect
import pkgutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import structlog

from connect.api import (
    Converter,
    Predicate,
    SinkConnector,
    SourceConnector,
    Transformation,
)
from connect.api.errors import ConfigError

log = structlog.get_logger(__name__)

Kind = Literal["source", "sink", "converter", "transform", "predicate"]
GROUPS = {
    "smart_connect.connectors": ("source", "sink"),
    "smart_connect.converters": ("converter",),
    "smart_connect.transforms": ("transform", "predicate"),
}
_BASES: dict[Kind, type] = {
    "source": SourceConnector,
    "sink": SinkConnector,
    "converter": Converter,
    "transform": Transformation,
    "predicate": Predicate,
}


class UnknownPlugin(ConfigError):
    """No plugin answers to the name given."""


@dataclass
class Plugin:
    """One discovered plugin."""

    name: str
    kind: Kind | None
    cls: type | None
    version: str
    origin: str
    names: set[str] = field(default_factory=set)
    error: str | None = None

    @property
    def class_path(self) -> str:
        return f"{self.cls.__module__}:{self.cls.__qualname__}" if self.cls else self.name


def kind_of(cls: type) -> Kind | None:
    for kind, base in _BASES.items():
        if inspect.isclass(cls) and issubclass(cls, base) and not inspect.isabstract(cls):
            return kind
    return None


class PluginRegistry:
    """Discovers plugins once and resolves names to classes."""

    def __init__(self, plugin_path: list[str] | None = None) -> None:
        self._plugins: list[Plugin] = []
        # installed entry points, imported when first asked for: a worker running one
        # connector need not import every other one (boto3 for the S3 sink: 0.3 s)
        self._deferred: list[tuple[str, md.EntryPoint, str]] = []
        self._plugin_path = [str(Path(p).resolve()) for p in plugin_path or []]
        self._discover()

    @property
    def plugins(self) -> list[Plugin]:
        """Every plugin, each imported (or broken)."""
        self._load(lambda group, ep: True)
        return self._plugins

    @plugins.setter
    def plugins(self, plugins: list[Plugin]) -> None:
        self._plugins, self._deferred = list(plugins), []

    def _load(self, wanted: Callable[[str, md.EntryPoint], bool]) -> None:
        """Import the deferred entry points ``wanted(group, entry_point)`` picks."""
        keep = []
        for group, ep, origin in self._deferred:
            if wanted(group, ep):
                self._add_entry_point(ep, origin)
            else:
                keep.append((group, ep, origin))
        self._deferred = keep

    # ------------------------------------------------------------ discovery

    def _discover(self) -> None:
        for folder in self._plugin_path:
            if folder not in sys.path:
                sys.path.append(folder)
        seen: set[tuple[str, str]] = set()
        for group in GROUPS:
            for ep in md.entry_points(group=group):
                if (group, ep.name) in seen:
                    continue
                seen.add((group, ep.name))
                dist = ep.dist
                origin = f"{dist.name} {dist.version}" if dist else "entry point"
                self._deferred.append((group, ep, origin))
        if self._plugin_path:  # keep the order in which names are found
            self._load(lambda group, ep: True)
        for folder in self._plugin_path:
            self._scan_folder(Path(folder))

    def _add_entry_point(self, ep: md.EntryPoint, origin: str) -> None:
        try:
            obj = ep.load()
        except Exception as exc:  # a broken plugin is reported, never fatal
            self._broken(ep.name, origin, exc)
            return
        self._add(obj, ep.name, origin)

    def _scan_folder(self, folder: Path) -> None:
        if not folder.is_dir():
            log.warning("plugin.path folder does not exist", folder=str(folder))
            return
        for dist in md.distributions(path=[str(folder)]):
            for ep in dist.entry_points:
                if ep.group in GROUPS:
                    self._add_entry_point(ep, f"{dist.metadata['Name']} in {folder}")
        for info in pkgutil.iter_modules([str(folder)]):
            if info.name.endswith("dist-info"):
                continue
            try:
                module = importlib.import_module(info.name)
            except Exception as exc:
                self._broken(info.name, str(folder), exc)
                continue
            for _, obj in inspect.getmembers(module, inspect.isclass):
                if obj.__module__ == module.__name__ and kind_of(obj):
                    self._add(obj, obj.__name__, f"{folder}")

    def _broken(self, name: str, origin: str, exc: BaseException) -> None:
        message = f"{type(exc).__name__}: {exc}"
        log.warning("plugin failed to load", plugin=name, origin=origin, error=message)
        self._plugins.append(Plugin(name, None, None, "?", origin, {name}, message))

    def _add(self, cls: Any, name: str, origin: str) -> None:
        if any(p.cls is cls for p in self._plugins):
            return
        kind = kind_of(cls) if inspect.isclass(cls) else None
        if kind is None:
            self._broken(name, origin, TypeError(f"{cls!r} is not a smart-connect plugin class"))
            return
        names = {name, cls.__name__, f"{cls.__module__}:{cls.__qualname__}"}
        names.update(getattr(cls, "aliases", ()))
        version = str(getattr(cls, "version", "?"))
        self._plugins.append(Plugin(name, kind, cls, version, origin, names))

    # ------------------------------------------------------------ lookup

    def of_kind(self, *kinds: Kind) -> list[Plugin]:
        return [p for p in self.plugins if p.kind in kinds]

    def find(self, name: str, *kinds: Kind) -> Plugin:
        """The plugin answering to ``name`` (alias, class name or ``module:Class``)."""
        self._load(lambda group, ep: ep.name == name and not set(GROUPS[group]).isdisjoint(kinds))
        if not any(name in p.names for p in self._plugins if p.kind in kinds or p.kind is None):
            self._load(lambda group, ep: True)  # a class name or an alias a class declares
        candidates = [p for p in self._plugins if p.kind in kinds or p.kind is None]
        for plugin in candidates:
            if name in plugin.names:
                if plugin.error:
                    raise UnknownPlugin(f"plugin {name!r} failed to load: {plugin.error}")
                return plugin
        if ":" in name:
            module, _, attr = name.partition(":")
            try:
                obj: Any = importlib.import_module(module)
                for part in attr.split("."):
                    obj = getattr(obj, part)
            except (ImportError, AttributeError) as exc:
                raise UnknownPlugin(f"cannot load {name!r}: {exc}") from exc
            if kind_of(obj) in kinds:
                self._add(obj, name, "module:Class")
                return self._plugins[-1]
            raise UnknownPlugin(f"{name!r} is not a {' or '.join(kinds)} plugin")
        known = sorted({p.name for p in candidates if p.kind in kinds})
        everything = sorted({n for p in candidates if p.kind in kinds for n in p.names})
        close = difflib.get_close_matches(name, everything, n=1, cutoff=0.6)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise UnknownPlugin(
            f"unknown {'/'.join(kinds)} plugin {name!r}.{hint} Known: {', '.join(known)}"
        )

    def connector(self, name: str) -> type[SourceConnector] | type[SinkConnector]:
        cls = self.find(name, "source", "sink").cls
        assert cls is not None
        return cls

    def converter(self, name: str) -> type[Converter]:
        cls = self.find(name, "converter").cls
        assert cls is not None
        return cls

    def transform(self, name: str) -> type[Transformation]:
        cls = self.find(name, "transform").cls
        assert cls is not None
        return cls

    def predicate(self, name: str) -> type[Predicate]:
        cls = self.find(name, "predicate").cls
        assert cls is not None
        return cls


_default: PluginRegistry | None = None


def registry(plugin_path: list[str] | None = None) -> PluginRegistry:
    """The process-wide registry (rebuilt when a ``plugin_path`` is given)."""
    global _default
    if _default is None or plugin_path:
        _default = PluginRegistry(plugin_path)
    return _default
