"""``smart-connect mirror-maker mm2.properties [--clusters B]``: MM2's dedicated mode.

Reads a MirrorMaker 2 properties file as it is (see
``connectors.kafka_mirror.mm2_properties``) and runs every enabled flow into the given
target clusters in this process: one standalone herder per flow, on the flow's target
cluster, with MirrorSource/Checkpoint/Heartbeat connectors as MM2 runs them.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Sequence
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import structlog

from connect.config import WorkerConfig, parse_properties

log = structlog.get_logger("connect.mirrormaker")


class MirrorMakerError(Exception):
    """The properties file cannot be run; the message says which key and why."""


def load_plan(path: Path, clusters: Sequence[str] = ()) -> Any:
    """The ``Plan`` of ``path``, its warnings logged; ``MirrorMakerError`` when it cannot run."""
    from connectors.kafka_mirror.mm2_properties import MirrorMakerConfigError, plan

    try:
        text = path.read_text()
    except OSError as exc:
        raise MirrorMakerError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        result = plan(parse_properties(text), clusters or None)
    except MirrorMakerConfigError as exc:
        raise MirrorMakerError(f"{path}: {exc}") from exc
    for warning in result.warnings:
        log.warning("mm2.properties key not used", file=str(path), problem=warning)
    if not result.flows:
        into = f" into {', '.join(clusters)}" if clusters else ""
        raise MirrorMakerError(
            f"{path}: no enabled flow{into}; set e.g. '{result.clusters[0]}->"
            f"{(result.clusters[1:] or ['B'])[0]}.enabled = true'"
        )
    return result


async def run(path: Path, clusters: Sequence[str] = (), stop: asyncio.Event | None = None) -> int:
    """Run the flows of ``path`` until SIGTERM/SIGINT (or ``stop``)."""
    from connect.herder.standalone import StandaloneHerder
    from connect.plugins import registry

    result = load_plan(path, clusters)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    plugins = registry(None)
    async with AsyncExitStack() as stack:
        for flow in result.flows:
            try:
                config = WorkerConfig.model_validate(result.workers[flow.name])
            except ValueError as exc:
                raise MirrorMakerError(f"{path}: flow {flow.name}: {exc}") from exc
            herder = StandaloneHerder(config, plugins)
            await herder.start()
            stack.push_async_callback(herder.stop)
            for name, connector in flow.connectors.items():
                await herder.put_connector_config(name, connector, allow_replace=False)
            log.info("flow started", flow=flow.name, connectors=list(flow.connectors))
        await stop.wait()
        log.info("mirror maker stopping")
    return 0


__all__ = ["MirrorMakerError", "load_plan", "run"]
