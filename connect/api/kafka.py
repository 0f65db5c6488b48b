"""Connecting to a Kafka cluster: TLS trust, and why a cluster refused a connection.

aiokafka reports a refused SASL login or an untrusted certificate only as
``KafkaConnectionError: Unable to bootstrap from [...]`` (the cause is in a log line).
``explain`` opens one connection the way the clients do and returns the real reason as a
``ConnectError`` naming the cluster. Connectors that build their own clients (the mirror's
source and target clusters) use it the same way the runtime does.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from typing import Any

from aiokafka.conn import create_conn
from aiokafka.errors import (
    AuthenticationFailedError,
    KafkaConnectionError,
    SaslAuthenticationFailed,
)

from connect.api.errors import ConnectError

__all__ = ["ClusterRefused", "explain", "is_bootstrap_failure", "ssl_context"]

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


def _message(exc: BaseException) -> str:
    text = str(exc)
    return text.split(": ", 1)[1] if text.startswith("[Error") and ": " in text else text
