"""Kafka client factory: one place that turns worker settings into aiokafka clients.

Security settings (SASL/TLS) and the ``producer.*``/``consumer.*``/``admin.*``
passthrough keys are applied here, so every client of the runtime connects the same
way. Dotted Kafka keys (``linger.ms``) become aiokafka arguments (``linger_ms``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from connect.api.errors import ConnectError, RetriableError
from connect.api.kafka import explain, is_bootstrap_failure, ssl_context
from connect.config import WorkerConfig

log = structlog.get_logger(__name__)

_INT_KEYS = {
    "linger_ms",
    "batch_size",
    "max_request_size",
    "request_timeout_ms",
    "retry_backoff_ms",
    "max_batch_size",
    "fetch_max_bytes",
    "fetch_max_wait_ms",
    "fetch_min_bytes",
    "max_partition_fetch_bytes",
    "max_poll_records",
    "session_timeout_ms",
    "heartbeat_interval_ms",
    "max_poll_interval_ms",
    "rebalance_timeout_ms",
    "metadata_max_age_ms",
    "connections_max_idle_ms",
    "consumer_timeout_ms",
    "transaction_timeout_ms",
    "max_in_flight_requests_per_connection",
}
_CONNECTION_ONLY = {
    "sasl_username",
    "sasl_password",
    "ssl_cafile",
    "ssl_endpoint_identification_algorithm",
    "security_protocol",
}
_RENAMES = {"batch_size": "max_batch_size", "compression_type": "compression_type"}


def client_settings(config: WorkerConfig | Mapping[str, Any]) -> dict[str, Any]:
    """The connection part (bootstrap + security) in Kafka's dotted keys."""
    if isinstance(config, WorkerConfig):
        out: dict[str, Any] = {
            "bootstrap.servers": config.bootstrap_servers,
            "security.protocol": config.security_protocol,
            "client.id": config.client_id,
        }
        if config.sasl_mechanism:
            out["sasl.mechanism"] = config.sasl_mechanism
        if config.sasl_username:
            out["sasl.username"] = config.sasl_username
        if config.sasl_password:
            out["sasl.password"] = config.sasl_password.get_secret_value()
        if config.ssl_cafile:
            out["ssl.cafile"] = config.ssl_cafile
        if config.ssl_endpoint_identification_algorithm is not None:
            out["ssl.endpoint.identification.algorithm"] = (
                config.ssl_endpoint_identification_algorithm
            )
        return out
    return dict(config)


def to_aiokafka(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Translate dotted Kafka settings into aiokafka keyword arguments."""
    kwargs: dict[str, Any] = {}
    protocol = str(settings.get("security.protocol", "PLAINTEXT")).upper()
    for key, value in settings.items():
        if value is None:
            continue
        name = key.replace(".", "_")
        name = _RENAMES.get(name, name)
        if name in _CONNECTION_ONLY:
            continue
        if name == "sasl_mechanism":
            kwargs["sasl_mechanism"] = str(value)
            continue
        if name in _INT_KEYS:
            value = int(value)
        if name == "enable_idempotence" or name == "enable_auto_commit":
            value = str(value).lower() == "true" if isinstance(value, str) else bool(value)
        if name == "compression_type" and str(value).lower() == "none":
            value = None
        kwargs[name] = value
    kwargs["security_protocol"] = protocol
    if "sasl.username" in settings:
        kwargs["sasl_plain_username"] = settings["sasl.username"]
        kwargs["sasl_plain_password"] = settings.get("sasl.password")
    if protocol in ("SSL", "SASL_SSL"):
        kwargs["ssl_context"] = ssl_context(
            settings.get("ssl.cafile"), settings.get("ssl.endpoint.identification.algorithm")
        )
    return kwargs


class KafkaClients:
    """Builds producers, consumers and admin clients for one cluster."""

    def __init__(
        self,
        connection: Mapping[str, Any],
        producer: Mapping[str, Any] | None = None,
        consumer: Mapping[str, Any] | None = None,
        admin: Mapping[str, Any] | None = None,
    ) -> None:
        self.connection = dict(connection)
        self._producer = dict(producer or {})
        self._consumer = dict(consumer or {})
        self._admin = dict(admin or {})

    @classmethod
    def from_worker(cls, config: WorkerConfig) -> KafkaClients:
        return cls(
            client_settings(config),
            config.prefixed("producer."),
            config.prefixed("consumer."),
            config.prefixed("admin."),
        )

    @property
    def bootstrap(self) -> str:
        return str(self.connection["bootstrap.servers"])

    async def explain(self, exc: BaseException, cluster: str) -> BaseException:
        """``exc`` itself, or the real reason when it is aiokafka's "Unable to bootstrap"."""
        if not is_bootstrap_failure(exc):
            return exc
        reason = await explain(to_aiokafka(self.connection), cluster)
        if reason is None:
            return exc
        reason.__cause__ = exc
        return reason

    def with_overrides(
        self,
        producer: Mapping[str, Any] | None = None,
        consumer: Mapping[str, Any] | None = None,
    ) -> KafkaClients:
        """A factory for another cluster or other client settings (``*.override.*``)."""
        producer, consumer = dict(producer or {}), dict(consumer or {})
        conn_keys = {k for k in (*producer, *consumer) if _is_connection_key(k)}
        if not conn_keys:
            return KafkaClients(
                self.connection,
                {**self._producer, **producer},
                {**self._consumer, **consumer},
                self._admin,
            )
        source = producer or consumer
        connection = {k: v for k, v in source.items() if _is_connection_key(k)}
        rest_p = {k: v for k, v in producer.items() if not _is_connection_key(k)}
        rest_c = {k: v for k, v in consumer.items() if not _is_connection_key(k)}
        return KafkaClients(connection, rest_p, rest_c, {})

    def producer(
        self, defaults: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> AIOKafkaProducer:
        """A producer: ``defaults`` < configured settings < ``kwargs`` (aiokafka names)."""
        settings = {**self.connection, **self._producer}
        merged = {**(defaults or {}), **to_aiokafka(settings), **kwargs}
        return AIOKafkaProducer(**merged)

    def consumer(
        self, *topics: str, defaults: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> AIOKafkaConsumer:
        """A consumer: ``defaults`` < configured settings < ``kwargs`` (aiokafka names)."""
        settings = {**self.connection, **self._consumer}
        merged = {**(defaults or {}), **to_aiokafka(settings), **kwargs}
        return AIOKafkaConsumer(*topics, **merged)

    def admin(self, **kwargs: Any) -> AIOKafkaAdminClient:
        settings = {**self.connection, **self._admin}
        merged = to_aiokafka(settings)
        allowed = {
            "bootstrap_servers",
            "client_id",
            "request_timeout_ms",
            "security_protocol",
            "ssl_context",
            "sasl_mechanism",
            "sasl_plain_username",
            "sasl_plain_password",
            "metadata_max_age_ms",
            "connections_max_idle_ms",
            "retry_backoff_ms",
            "api_version",
        }
        return AIOKafkaAdminClient(**{k: v for k, v in merged.items() if k in allowed}, **kwargs)

    async def ensure_topic(
        self,
        name: str,
        *,
        partitions: int = 1,
        replication_factor: int = 3,
        configs: Mapping[str, str] | None = None,
    ) -> bool:
        """Create ``name`` unless it exists (never rely on broker auto-creation).

        The replication factor is capped at the number of brokers, so a one-broker
        development cluster works with production defaults. Returns True if created.
        """
        admin = self.admin()
        try:
            await admin.start()
            existing = await admin.list_topics()
            if name in existing:
                return False
            meta = await admin.describe_cluster()
            brokers = max(1, len(meta.get("brokers", [])))
            rf = min(replication_factor, brokers)
            try:
                await admin.create_topics(
                    [
                        NewTopic(
                            name,
                            num_partitions=partitions,
                            replication_factor=rf,
                            topic_configs=dict(configs or {}),
                        )
                    ]
                )
            except TopicAlreadyExistsError:
                return False
            log.info("topic created", topic=name, partitions=partitions, replication_factor=rf)
            return True
        except KafkaError as exc:
            raise translate(exc, f"cannot create topic {name}") from exc
        finally:
            await admin.close()


def _is_connection_key(key: str) -> bool:
    return key.startswith(("bootstrap.", "security.", "sasl.", "ssl."))


async def knows_topics(producer: AIOKafkaProducer, topics: Iterable[str]) -> None:
    """Learn the producer's unknown ``topics`` in one or two metadata requests.

    aiokafka learns an unknown topic on its first send, one metadata request each: a
    mirror starting on 300 topics spent 20 s there. A topic still unknown after this is
    left to that path (it may not exist yet).
    """
    client = producer.client
    unknown = {t for t in topics if client.cluster.partitions_for_topic(t) is None}
    # two rounds: a request already in flight when the topics were added lacks them
    for _ in range(2):
        if not unknown:
            return
        for topic in unknown:
            client.add_topic(topic)
        await client.force_metadata_update()
        unknown = {t for t in unknown if client.cluster.partitions_for_topic(t) is None}


async def knows_partition(producer: AIOKafkaProducer, topic: str, partition: int) -> None:
    """Refresh the producer's metadata when ``partition`` of ``topic`` is newer than it.

    A connector may grow a topic while it runs (the mirror does when its source grows);
    aiokafka refuses a partition it has not seen until its next periodic refresh.
    """
    if partition in await producer.partitions_for(topic):
        return
    await producer.client.force_metadata_update()
    if partition not in await producer.partitions_for(topic):
        raise RetriableError(f"{topic} has no partition {partition} (yet)")


def translate(exc: BaseException, what: str) -> ConnectError:
    """A ``ConnectError`` for an aiokafka error, retriable when Kafka says so."""
    retriable = bool(getattr(exc, "retriable", False))
    message = f"{what}: {type(exc).__name__}: {exc}"
    return RetriableError(message) if retriable else ConnectError(message)
