"""MirrorMaker 2's dedicated-mode ``mm2.properties``, turned into this package's connectors.

The file's shape is MM2's: ``clusters``, ``<alias>.<client key>`` per cluster,
``<src>-><dst>.<key>`` per flow (``enabled``, ``topics``, ``groups`` and any connector
key), and top-level connector keys that apply to every flow. Each enabled flow becomes
``mirror-source``, ``mirror-checkpoint`` and ``mirror-heartbeat`` configs (as MM2 runs
MirrorSourceConnector, MirrorCheckpointConnector and MirrorHeartbeatConnector), plus the
worker config of the flow's target cluster.

Keys MM2 knows and this does not act on give warnings that name them; nothing is
refused without a message that says why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.kafka_mirror.config import (
    PRODUCER_OVERRIDE_PREFIX,
    MirrorCheckpointConfig,
    MirrorHeartbeatConfig,
    MirrorSourceConfig,
)

FLOW = re.compile(r"^(?P<src>[^.>\s-][^>\s]*?)->(?P<dst>[^.\s]+)\.(?P<key>.+)$")

#: connection keys of a cluster (``A.<key>``) mapped to the connectors' ``*.cluster.<key>``
CLIENT_KEYS = (
    "bootstrap.servers",
    "security.protocol",
    "sasl.mechanism",
    "sasl.username",
    "sasl.password",
    "ssl.cafile",
)
#: consumer settings of the source cluster (``A.consumer.<key>``) the mirror-source takes
SOURCE_CONSUMER_KEYS = ("max.poll.records", "max.partition.fetch.bytes", "auto.offset.reset")
#: keys of MM2's Connect worker that have a meaning here (the worker's offsets topic)
WORKER_KEYS = {"offset.storage.replication.factor": "offset.storage.replication.factor"}
WORKER_PASSTHROUGH = ("offset.flush.interval.ms",)
#: MM2 keys that need nothing here: Connect's own topics, its REST, ...
HARMLESS = {
    "status.storage.replication.factor",
    "config.storage.replication.factor",
    "dedicated.mode.enable.internal.rest",
    "enabled",
    "name",
}
_JAAS = re.compile(r'\b(username|password)\s*=\s*"((?:[^"\\]|\\.)*)"')


class MirrorMakerConfigError(ValueError):
    """An mm2.properties this runner cannot run; the message names the key and the fix."""


@dataclass
class Flow:
    """One enabled ``source->target`` flow: its connector configs by name."""

    source: str
    target: str
    connectors: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.source}->{self.target}"


@dataclass
class Plan:
    """Everything an mm2.properties asks for, as worker and connector configs."""

    clusters: list[str]
    flows: list[Flow]
    workers: dict[str, dict[str, Any]]
    """Worker config per flow name (its target cluster, its own offsets topic)."""
    warnings: list[str]


def _aliases(model: type[Any]) -> set[str]:
    return {info.alias or name for name, info in model.model_fields.items()}


SOURCE_KEYS = _aliases(MirrorSourceConfig)
CHECKPOINT_KEYS = _aliases(MirrorCheckpointConfig)
HEARTBEAT_KEYS = _aliases(MirrorHeartbeatConfig)
CONNECTOR_KEYS = SOURCE_KEYS | CHECKPOINT_KEYS | HEARTBEAT_KEYS | {"tasks.max"}


def _bool(value: str | None, default: bool) -> bool:
    return default if value is None else value.strip().lower() == "true"


def _jaas(value: str) -> dict[str, str]:
    found = {k: v.replace('\\"', '"') for k, v in _JAAS.findall(value)}
    return {f"sasl.{k}": v for k, v in found.items()}


@dataclass
class ClusterSettings:
    """A cluster's connection, and the producer/consumer settings the mirror can use."""

    conn: dict[str, str] = field(default_factory=dict)
    producer: dict[str, str] = field(default_factory=dict)
    consumer: dict[str, str] = field(default_factory=dict)

    def take(self, key: str, sub: str, value: str, warn: list[str]) -> bool:
        """File ``sub`` (``key`` in the file) here; False when it is no client setting."""
        if sub in CLIENT_KEYS:
            self.conn[sub] = value
        elif sub == "sasl.jaas.config":
            creds = _jaas(value)
            if not {"sasl.username", "sasl.password"} <= set(creds):
                warn.append(f'{key}: no username="..." password="..." in it; SASL not set')
            self.conn.update(creds)
        elif sub == "ssl.truststore.location":
            if value.endswith((".pem", ".crt")):
                self.conn["ssl.cafile"] = value
            else:
                warn.append(f"{key}: only PEM trust stores are read (give a .pem file)")
        elif sub in ("ssl.truststore.type", "ssl.endpoint.identification.algorithm"):
            pass
        elif sub.startswith("producer."):
            self.producer[sub[len("producer.") :]] = value
        elif sub.startswith("consumer."):
            name = sub[len("consumer.") :]
            if name in SOURCE_CONSUMER_KEYS:
                self.consumer[name] = value
            else:
                warn.append(f"{key}: consumer setting not supported, ignored")
        elif sub.startswith("admin."):
            warn.append(f"{key}: admin client settings are not supported, ignored")
        else:
            return False
        return True


def _is_client_key(sub: str) -> bool:
    return (
        sub in CLIENT_KEYS
        or sub.startswith(("producer.", "consumer.", "admin.", "ssl.", "sasl."))
        or sub == "sasl.jaas.config"
    ) and not sub.startswith("producer.override.")


def plan(props: Mapping[str, str], only: Iterable[str] | None = None) -> Plan:
    """The flows of an mm2.properties (those into ``only`` targets, as ``--clusters``)."""
    props = {k.strip(): str(v).strip() for k, v in props.items()}
    warn: list[str] = []
    clusters = [c.strip() for c in props.get("clusters", "").split(",") if c.strip()]
    if not clusters:
        raise MirrorMakerConfigError(
            "clusters: missing; list the cluster aliases, e.g. 'clusters = A, B'"
        )
    wanted = list(only or [])
    for alias in wanted:
        if alias not in clusters:
            raise MirrorMakerConfigError(
                f"--clusters {alias}: not among clusters = {', '.join(clusters)}"
            )
    flow_keys: dict[tuple[str, str], dict[str, str]] = {}
    top: dict[str, str] = {}
    for key, value in props.items():
        m = FLOW.match(key)
        if m:
            src, dst = m["src"], m["dst"]
            if src not in clusters or dst not in clusters:
                warn.append(f"{key}: {src}->{dst} names a cluster not in 'clusters'; ignored")
                continue
            flow_keys.setdefault((src, dst), {})[m["key"]] = value
        elif key == "clusters" or any(key.startswith(f"{c}.") for c in clusters):
            continue  # a cluster's own settings, read below
        else:
            top[key] = value
    settings: dict[str, ClusterSettings] = {}
    for alias in clusters:
        cluster = settings[alias] = ClusterSettings()
        # top-level client settings apply to every cluster, as in MM2; its own win
        for key in sorted(k for k in top if _is_client_key(k)):
            cluster.take(key, key, top[key], warn if alias == clusters[0] else [])
        prefix = f"{alias}."
        for key in sorted(k for k in props if k.startswith(prefix) and not FLOW.match(k)):
            if not cluster.take(key, key[len(prefix) :], props[key], warn):
                warn.append(f"{key}: not supported, ignored (cluster {alias})")
    for key in sorted(top):
        if _is_client_key(key) or key in CONNECTOR_KEYS or key in WORKER_KEYS:
            continue
        if key in HARMLESS or key in WORKER_PASSTHROUGH:
            continue
        warn.append(_unsupported(key, top[key]))
    flows: list[Flow] = []
    workers: dict[str, dict[str, Any]] = {}
    for src in clusters:
        for dst in clusters:
            if src == dst:
                continue
            own = flow_keys.get((src, dst), {})
            if not _bool(own.get("enabled"), False):
                continue
            if wanted and dst not in wanted:
                continue
            source, target = _flow_clients(src, dst, settings, own, warn)
            for key in sorted(own):
                if key not in CONNECTOR_KEYS and key not in HARMLESS and not _flow_client_key(key):
                    warn.append(_unsupported(f"{src}->{dst}.{key}", own[key]))
            flow = _flow(src, dst, {**top, **own}, source, target)
            flows.append(flow)
            workers[flow.name] = _worker(src, dst, top, target.conn)
    return Plan(clusters, flows, workers, [w for w in warn if w])


_FLOW_CLIENT_PREFIXES = (
    "source.cluster.",
    "target.cluster.",
    "source.consumer.",
    "target.producer.",
)


def _flow_client_key(key: str) -> bool:
    return key.startswith((*_FLOW_CLIENT_PREFIXES, PRODUCER_OVERRIDE_PREFIX))


def _flow_clients(
    src: str,
    dst: str,
    settings: Mapping[str, ClusterSettings],
    own: Mapping[str, str],
    warn: list[str],
) -> tuple[ClusterSettings, ClusterSettings]:
    """Both clusters' settings with the flow's own client keys on top (MM2's connector keys:
    ``source.cluster.*``, ``target.cluster.*``, ``source.consumer.*``, ``target.producer.*``,
    ``producer.override.*``)."""
    source, target = settings[src], settings[dst]
    source = ClusterSettings(dict(source.conn), dict(source.producer), dict(source.consumer))
    target = ClusterSettings(dict(target.conn), dict(target.producer), dict(target.consumer))
    for key, value in sorted(own.items()):
        where = f"{src}->{dst}.{key}"
        if key.startswith("source.cluster."):
            sub = key[len("source.cluster.") :]
            if not source.take(where, sub, value, warn):
                warn.append(f"{where}: not supported, ignored")
        elif key.startswith("target.cluster."):
            sub = key[len("target.cluster.") :]
            if not target.take(where, sub, value, warn):
                warn.append(f"{where}: not supported, ignored")
        elif key.startswith("source.consumer."):
            source.take(where, "consumer." + key[len("source.consumer.") :], value, warn)
        elif key.startswith("target.producer."):
            target.producer[key[len("target.producer.") :]] = value
        elif key.startswith(PRODUCER_OVERRIDE_PREFIX):
            target.producer[key[len(PRODUCER_OVERRIDE_PREFIX) :]] = value
    return source, target


def _unsupported(key: str, value: str) -> str:
    if key.endswith("sync.topic.acls.enabled"):
        # MM2's default is true; false asks for what happens here anyway
        return "" if value.lower() == "false" else f"{key}: ACLs are not synced, ignored"
    return f"{key}: not supported, ignored"


def _flow(
    src: str, dst: str, keys: Mapping[str, str], source: ClusterSettings, target: ClusterSettings
) -> Flow:
    for side, alias, cluster in (("source", src, source), ("target", dst, target)):
        if not cluster.conn.get("bootstrap.servers"):
            raise MirrorMakerConfigError(
                f"{alias}.bootstrap.servers: missing; the {side} cluster of {src}->{dst} "
                "needs its address"
            )
    base: dict[str, Any] = {"source.cluster.alias": src, "target.cluster.alias": dst}
    for side, cluster in (("source", source), ("target", target)):
        for key, value in cluster.conn.items():
            base[f"{side}.cluster.{key}"] = value
    connector_keys = {k: v for k, v in keys.items() if k in CONNECTOR_KEYS}
    flow = Flow(src, dst)
    mirror: dict[str, Any] = {**connector_keys, **base, "connector.class": "mirror-source"}
    for key, value in source.consumer.items():
        mirror[f"consumer.{key}"] = value
    for key, value in target.producer.items():
        mirror[f"{PRODUCER_OVERRIDE_PREFIX}{key}"] = value
    flow.connectors[f"{flow.name}.MirrorSourceConnector"] = _only(mirror, SOURCE_KEYS)
    if _bool(keys.get("emit.checkpoints.enabled"), True) or _bool(
        keys.get("sync.group.offsets.enabled"), False
    ):
        checkpoint = {**connector_keys, **base, "connector.class": "mirror-checkpoint"}
        flow.connectors[f"{flow.name}.MirrorCheckpointConnector"] = _only(
            checkpoint, CHECKPOINT_KEYS
        )
    if _bool(keys.get("emit.heartbeats.enabled"), True):
        heartbeat = {**connector_keys, **base, "connector.class": "mirror-heartbeat"}
        flow.connectors[f"{flow.name}.MirrorHeartbeatConnector"] = _only(heartbeat, HEARTBEAT_KEYS)
    return flow


def _only(config: Mapping[str, Any], known: set[str]) -> dict[str, Any]:
    """The keys a connector reads (so its own unknown-key check stays quiet)."""
    keep = known | {"connector.class", "tasks.max"}
    return {k: v for k, v in config.items() if k in keep or k.startswith(PRODUCER_OVERRIDE_PREFIX)}


def _worker(
    src: str, dst: str, top: Mapping[str, str], target: Mapping[str, str]
) -> dict[str, Any]:
    """The flow's worker: on the target cluster, positions in its own offsets topic.

    MM2 keeps a flow's positions in ``mm2-offsets.<src>.internal``, as the offset of the
    last record copied; ours are the position after it, so they get a topic of their
    own (``mirror.takeover.offsets.topic`` reads MM2's).
    """
    worker: dict[str, Any] = {
        **{k: v for k, v in target.items() if k in CLIENT_KEYS},
        "offset.storage.topic": f"smart-connect-offsets.{src}.internal",
        "client.id": f"smart-connect-mm2-{src}-{dst}",
        "listeners": "none",
    }
    for key, ours in WORKER_KEYS.items():
        if key in top:
            worker[ours] = top[key]
    for key in WORKER_PASSTHROUGH:
        if key in top:
            worker[key] = top[key]
    return worker
