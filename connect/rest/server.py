"""The REST server a worker hosts: uvicorn inside the worker's own event loop.

    server = RestServer(herder, worker_config)  # listeners, rest.auth.* from the config
    await server.start()        # sockets bound, serving; bind errors raise OSError here
    server.urls                 # ["http://127.0.0.1:8083"] (real port when 0 was asked)
    await server.stop()         # graceful, then forced after ``shutdown_timeout``

The sockets are bound here rather than by uvicorn so that a taken port raises
``OSError`` to the caller instead of uvicorn's ``sys.exit``, and so that port 0 works.
uvicorn's own signal handling is turned off: the worker owns SIGTERM/SIGINT.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Generator, Mapping
from typing import Any
from urllib.parse import urlsplit

import uvicorn

from connect.api.errors import ConfigError
from connect.config import WorkerConfig
from connect.herder.base import Herder
from connect.rest.app import create_app
from connect.rest.auth import AuthConfig
from connect.service import Service

DEFAULT_LISTENER = "http://127.0.0.1:8083"


def parse_listeners(listeners: str | None) -> list[tuple[str, int]]:
    """``(host, port)`` per comma-separated ``http://host:port`` listener (loopback default)."""
    out = []
    for item in (listeners or DEFAULT_LISTENER).split(","):
        text = item.strip()
        if not text:
            continue
        url = urlsplit(text if "://" in text else f"http://{text}")
        if url.scheme != "http":
            raise ConfigError(
                f"unsupported listener {text!r}: only http:// is supported", key="listeners"
            )
        try:
            port = url.port
        except ValueError as exc:
            raise ConfigError(f"bad port in listener {text!r}", key="listeners") from exc
        host = url.hostname if url.hostname is not None else "127.0.0.1"
        out.append((host or "0.0.0.0", 8083 if port is None else port))
    if not out:
        raise ConfigError("no listener given", key="listeners")
    return out


def _settings(config: WorkerConfig | Mapping[str, Any] | None) -> dict[str, Any]:
    """Worker config keys as a flat mapping (declared fields by alias, plus extras)."""
    if config is None:
        return {}
    if isinstance(config, WorkerConfig):
        return {**config.model_dump(by_alias=True), **(config.model_extra or {})}
    return dict(config)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its signal handlers (the worker owns them), with a ``ready`` event."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = asyncio.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self.ready.set()

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class RestServer(Service):
    """Serves ``create_app(herder)`` on the worker's listeners, in the current event loop."""

    def __init__(
        self,
        herder: Herder,
        config: WorkerConfig | Mapping[str, Any] | None = None,
        *,
        listeners: str | None = None,
        auth: AuthConfig | None = None,
        shutdown_timeout: float = 5.0,
        **app_options: Any,
    ) -> None:
        """Serve ``herder``; ``config`` (a worker config) supplies ``listeners`` and the
        ``rest.auth.*`` keys unless they are given explicitly."""
        super().__init__()
        settings = _settings(config)
        if listeners is None:
            listeners = settings.get("listeners")
        if auth is None:
            auth = AuthConfig.from_worker_config(settings)
        if "metrics_auth" not in app_options:
            from connect.rest.metrics import auth_required

            app_options["metrics_auth"] = auth_required(settings)
        self.app = create_app(herder, auth=auth, **app_options)
        self.addresses = parse_listeners(listeners)
        self.shutdown_timeout = shutdown_timeout
        self.urls: list[str] = []
        self._server: _EmbeddedServer | None = None
        self._task: asyncio.Task[None] | None = None
        self._sockets: list[socket.socket] = []

    @property
    def url(self) -> str:
        """The first listener's URL (with the real port)."""
        return self.urls[0]

    async def on_start(self) -> None:
        try:
            for host, port in self.addresses:
                self._sockets.append(_bind(host, port))
        except OSError:
            self._close_sockets()
            raise
        self.urls = []
        for sock in self._sockets:
            host, port = sock.getsockname()[:2]
            self.urls.append(f"http://{f'[{host}]' if ':' in host else host}:{port}")
        config = uvicorn.Config(
            self.app,
            lifespan="off",
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=max(1, int(self.shutdown_timeout)),
        )
        self._server = _EmbeddedServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=self._sockets), name="rest")
        started = asyncio.create_task(self._server.ready.wait(), name="rest-started")
        done, _ = await asyncio.wait({self._task, started}, return_when=asyncio.FIRST_COMPLETED)
        if started not in done:
            started.cancel()
            self._close_sockets()
            error = self._task.exception() if not self._task.cancelled() else None
            raise RuntimeError(f"REST server failed to start: {error!r}")

    async def on_stop(self) -> None:
        server, task = self._server, self._task
        if server is None or task is None:
            return
        server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=self.shutdown_timeout)
        except TimeoutError:
            server.force_exit = True
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        finally:
            self._close_sockets()

    def _close_sockets(self) -> None:
        for sock in self._sockets:
            sock.close()
        self._sockets = []
