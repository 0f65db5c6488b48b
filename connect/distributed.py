"""``smart-connect distributed``: one worker of a cluster, with its REST API.

run_distributed(config)
    REST server bound (its real address names this worker)
    → ClusterHerder started: internal topics, group joined, work assigned
    → … until SIGTERM/SIGINT
    → herder stopped: tasks flushed and committed, handed over, group left
    → REST server stopped; returns 0
"""

from __future__ import annotations

import asyncio
import signal
import socket
from urllib.parse import urlsplit

import structlog

from connect.config import WorkerConfig
from connect.herder.cluster import ClusterHerder
from connect.plugins import registry as plugin_registry
from connect.rest.server import RestServer

log = structlog.get_logger(__name__)


def advertised_url(config: WorkerConfig, bound_url: str) -> str:
    """The URL other workers and clients use for this worker (``rest.advertised.*``)."""
    bound = urlsplit(bound_url)
    scheme = config.rest_advertised_listener or bound.scheme or "http"
    host = config.rest_advertised_host_name or bound.hostname or "127.0.0.1"
    if host in ("0.0.0.0", "::"):
        host = socket.gethostname()
    port = config.rest_advertised_port or bound.port or 8083
    return f"{scheme}://{host}:{port}"


async def run_distributed(config: WorkerConfig) -> int:
    """Run one distributed worker until SIGTERM/SIGINT; 0 after a graceful stop,
    1 when it cannot start (Kafka unreachable, port taken), 2 when the config lacks
    what distributed mode needs."""
    if not config.bootstrap_servers or not config.group_id:
        missing = "bootstrap.servers" if not config.bootstrap_servers else "group.id"
        log.error("invalid worker config", problem=f"{missing}: required key is missing")
        return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    herder = ClusterHerder(config, plugin_registry(config.plugin_path or None))
    rest: RestServer | None = None
    try:
        try:
            rest = RestServer(herder, config)
            await rest.start()
            url = advertised_url(config, rest.url)
            herder.set_identity(urlsplit(url).netloc, url)
            await herder.start()
        except Exception as exc:  # Kafka unreachable, port taken, bad listeners, ...
            log.error("distributed worker failed to start", error=f"{type(exc).__name__}: {exc}")
            return 1
        log.info(
            "distributed worker started",
            worker_id=herder.worker_id,
            url=url,
            group=config.group_id,
        )
        await stop.wait()
        log.info("distributed worker stopping", worker_id=herder.worker_id)
    finally:
        try:
            await herder.stop()
        finally:
            if rest is not None:
                await rest.stop()
            for sig in signals:
                loop.remove_signal_handler(sig)
    log.info("distributed worker stopped", worker_id=herder.worker_id)
    return 0
