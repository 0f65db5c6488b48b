"""aiokafka clients for one side of a flow, from Kafka's dotted settings.

A cluster's settings come from the task config under a prefix
(``source.cluster.bootstrap.servers``, ``target.cluster.sasl.password`` ...); this module
turns them into aiokafka arguments. Connectors cannot use the runtime's client factory.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from connect.api import ConfigError, ConnectError, RetriableError
from connect.api.kafka import explain, ssl_context

CONNECTION_KEYS = (
    "bootstrap.servers",
    "security.protocol",
    "sasl.mechanism",
    "sasl.username",
    "sasl.password",
    "ssl.cafile",
    "ssl.endpoint.identification.algorithm",
)
#: Empty turns hostname verification off, as in Kafka; so an empty value is kept.
HOSTNAME_CHECK = "ssl.endpoint.identification.algorithm"


@dataclass(frozen=True)
class Cluster:
    """Alias and connection settings (dotted Kafka keys) of one cluster."""

    alias: str
    settings: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_config(cls, alias: str, config: Mapping[str, Any], prefix: str) -> Cluster:
        """Pick ``<prefix><key>`` for each connection key out of a task config."""
        settings = {
            key: config[prefix + key]
            for key in CONNECTION_KEYS
            if config.get(prefix + key) not in (None, "")
            or (key == HOSTNAME_CHECK and config.get(prefix + key) == "")
        }
        return cls(alias, settings)

    @property
    def bootstrap(self) -> str:
        value = self.settings.get("bootstrap.servers")
        if not value:
            raise ConfigError(f"no bootstrap.servers for cluster {self.alias!r}")
        return str(value)

    def plain_settings(self) -> dict[str, Any]:
        """The settings with the password revealed, for the runtime's producer."""
        out = dict(self.settings)
        if "sasl.password" in out:
            out["sasl.password"] = _secret(out["sasl.password"])
        return out

    def to_config(self, prefix: str) -> dict[str, Any]:
        """The settings back as task-config keys under ``prefix``."""
        return {prefix + k: v for k, v in self.settings.items()}

    def kwargs(self) -> dict[str, Any]:
        """aiokafka connection arguments."""
        protocol = str(self.settings.get("security.protocol", "PLAINTEXT")).upper()
        out: dict[str, Any] = {"bootstrap_servers": self.bootstrap, "security_protocol": protocol}
        if protocol.startswith("SASL"):
            out["sasl_mechanism"] = str(self.settings.get("sasl.mechanism", "PLAIN"))
            out["sasl_plain_username"] = self.settings.get("sasl.username")
            out["sasl_plain_password"] = _secret(self.settings.get("sasl.password"))
        if protocol in ("SSL", "SASL_SSL"):
            out["ssl_context"] = ssl_context(
                self.settings.get("ssl.cafile"),
                self.settings.get("ssl.endpoint.identification.algorithm"),
            )
        return out

    def consumer(self, **kwargs: Any) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(**self.kwargs(), **kwargs)

    def producer(self, **kwargs: Any) -> AIOKafkaProducer:
        return AIOKafkaProducer(**self.kwargs(), **kwargs)

    def admin(self, **kwargs: Any) -> AIOKafkaAdminClient:
        return AIOKafkaAdminClient(**self.kwargs(), **kwargs)


async def check_clusters(*clusters: Cluster) -> None:
    """Fail fast, naming the cluster, when one refuses our credentials or certificate."""
    for cluster in clusters:
        reason = await explain(cluster.kwargs(), cluster.alias)
        if reason is not None:
            raise reason


def _secret(value: Any) -> Any:
    getter = getattr(value, "get_secret_value", None)
    return getter() if callable(getter) else value


def translate(exc: BaseException, what: str) -> ConnectError:
    """A ``ConnectError`` for an aiokafka error, retriable when Kafka says so."""
    message = f"{what}: {type(exc).__name__}: {exc}"
    if getattr(exc, "retriable", False) or isinstance(exc, OSError | TimeoutError):
        return RetriableError(message)
    return ConnectError(message)
