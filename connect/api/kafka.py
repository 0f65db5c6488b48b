"""Connecting to a Kafka cluster: TLS trust, why a cluster refused us, whether it answers.

aiokafka reports a refused SASL login or an untrusted certificate only as
``KafkaConnectionError: Unable to bootstrap from [...]`` (the cause is in a log line).
``explain`` opens one connection the way the clients do and returns the real reason as a
``ConnectError`` naming the cluster.

aiokafka's clients also ride out a broker outage by retrying quietly, so a task whose
broker is gone still looks RUNNING. ``ClusterWatch`` asks a cluster for its metadata every
few seconds and hands over a note (since when, and why) while it gets no answer.

Connectors that build their own clients (the mirror's source and target clusters) use
these the same way the runtime does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time
from collections.abc import Callable, Mapping
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.conn import create_conn
from aiokafka.errors import (
    AuthenticationFailedError,
    KafkaConnectionError,
    SaslAuthenticationFailed,
)

from connect.api.errors import ConnectError

__all__ = [
    "ClusterRefused",
    "ClusterWatch",
    "describe",
    "explain",
    "is_bootstrap_failure",
    "is_watch_note",
    "ssl_context",
]

_CONN_KWARGS = (
    "client_id",
    "ssl_context",
    "security_protocol",
    "sasl_mechanism",
    "sasl_plain_username",
    "sasl_plain_password",
)


class ClusterRefused(ConnectError):
    """A cluster refused us for good: wrong credentials or an untrusted certificate."""


def ssl_context(
    cafile: str | None = None, endpoint_identification: str | None = "https"
) -> ssl.SSLContext:
    """A client TLS context: ``cafile`` (else the system CAs) and, as in Kafka,
    hostname verification unless ``ssl.endpoint.identification.algorithm`` is empty."""
    context = ssl.create_default_context(cafile=cafile or None)
    if endpoint_identification is not None and not str(endpoint_identification).strip():
        context.check_hostname = False
    return context


def is_bootstrap_failure(exc: BaseException) -> bool:
    """aiokafka's "Unable to bootstrap" (every bootstrap server refused or failed)."""
    return isinstance(exc, KafkaConnectionError) and "bootstrap" in str(exc)


async def explain(kwargs: Mapping[str, Any], cluster: str) -> ClusterRefused | None:
    """Why ``cluster`` (aiokafka client kwargs) refuses us, or None if it does not (now)."""
    servers = kwargs.get("bootstrap_servers", "")
    hosts = servers.split(",") if isinstance(servers, str) else list(servers)
    conn_kwargs = {k: kwargs[k] for k in _CONN_KWARGS if kwargs.get(k) is not None}
    for server in hosts:
        server = server.strip()
        where = cluster if server in cluster else f"{cluster} ({server})"
        host, _, port = server.rpartition(":")
        try:
            conn = await create_conn(host, int(port), request_timeout_ms=10_000, **conn_kwargs)
        except (SaslAuthenticationFailed, AuthenticationFailedError) as exc:
            return ClusterRefused(
                f"authentication failed for cluster {where}: {_message(exc)}; "
                "check sasl.mechanism, sasl.username and sasl.password"
            )
        except ssl.SSLCertVerificationError as exc:
            return ClusterRefused(
                f"TLS trust failed for cluster {where}: {exc.verify_message}; "
                "set ssl.cafile to the CA that signed the broker's certificate"
                + (
                    " (or ssl.endpoint.identification.algorithm= to skip the hostname check)"
                    if "hostname" in str(exc.verify_message) or "IP address" in str(exc)
                    else ""
                )
            )
        except (OSError, TimeoutError, KafkaConnectionError):
            continue
        conn.close()
        return None
    return None


def describe(exc: BaseException) -> str:
    """``Type: message`` once (aiokafka's messages often repeat their type name)."""
    text, kind = str(exc), type(exc).__name__
    return text if text.startswith(kind) else f"{kind}: {text}" if text else kind


def _message(exc: BaseException) -> str:
    text = str(exc)
    return text.split(": ", 1)[1] if text.startswith("[Error") and ": " in text else text


#: How every ``ClusterWatch`` note starts (so a status shows whose note it is).
WATCH_PREFIX = "Kafka unreachable"
log = logging.getLogger(__name__)


def is_watch_note(message: str | None) -> bool:
    """Whether a status message is a ``ClusterWatch`` note."""
    return bool(message) and str(message).startswith(WATCH_PREFIX)


class ClusterWatch:
    """Asks a cluster for its metadata every ``interval`` s; ``on_note`` gets a note while
    it does not answer within ``timeout``, and None once it does again."""

    def __init__(
        self,
        make_admin: Callable[..., AIOKafkaAdminClient],
        name: str,
        on_note: Callable[[str | None], None],
        *,
        interval: float = 2.0,
        timeout: float = 3.0,
    ) -> None:
        self.make_admin = make_admin
        self.name = name
        self.on_note = on_note
        self.interval = interval
        self.timeout = timeout
        self.down_since: float | None = None
        self.note: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name=f"watch-{self.name}")

    async def stop(self) -> None:
        if self._task is not None:
            # the event ends the loop even when the cancel is lost: on Python 3.11,
            # wait_for returns a result that came in with the cancel and drops the cancel
            self._stopping.set()
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        admin = self.make_admin(request_timeout_ms=int(self.timeout * 1000))
        started = False
        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.interval)
                    break  # stopping: set before the cancel, so seen even if that is lost
                try:
                    if not started:
                        await asyncio.wait_for(admin.start(), self.timeout)
                        started = True
                    await asyncio.wait_for(admin.describe_cluster(), self.timeout)
                except Exception as exc:  # every kind of no-answer is the same news
                    self._down(exc)
                else:
                    self._up()
        finally:
            if started:
                with contextlib.suppress(Exception):
                    await admin.close()

    def _down(self, exc: BaseException) -> None:
        if self.down_since is None:
            self.down_since = time.time()
            log.warning("Kafka cluster %s unreachable: %r", self.name, exc)
        since = time.strftime("%H:%M:%S", time.localtime(self.down_since))
        note = f"{WATCH_PREFIX} ({self.name}) since {since}: {describe(exc)}"
        if note != self.note:
            self.note = note
            self.on_note(note)

    def _up(self) -> None:
        if self.down_since is None:
            return
        log.warning(
            "Kafka cluster %s reachable again after %.1f s",
            self.name,
            time.time() - self.down_since,
        )
        self.down_since = None
        self.note = None
        self.on_note(None)
