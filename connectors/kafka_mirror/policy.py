"""Replication policies: how a source topic is named on the target, and back.

``default`` prefixes the source cluster alias (``us-east.orders``) so the origin of a
remote topic is visible in its name; ``identity`` keeps names, and relies on the
provenance header to break cycles. ``topics.mapping`` overrides either for the topics it
names. Internal topics (``__*``, ``*.internal``, ``*-internal``) are never mirrored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

HEARTBEATS_TOPIC = "heartbeats"
CHECKPOINTS_SUFFIX = ".checkpoints.internal"
OFFSET_SYNCS_PREFIX = "mm2-offset-syncs."

_POLICY_NAMES = {
    "default": "default",
    "defaultreplicationpolicy": "default",
    "org.apache.kafka.connect.mirror.defaultreplicationpolicy": "default",
    "identity": "identity",
    "identityreplicationpolicy": "identity",
    "org.apache.kafka.connect.mirror.identityreplicationpolicy": "identity",
}


def policy_kind(name: str) -> str:
    """``default`` or ``identity`` for a policy name or MirrorMaker 2 class name."""
    kind = _POLICY_NAMES.get(name.strip().lower())
    if kind is None:
        raise ValueError(f"unknown replication policy {name!r}: use 'default' or 'identity'")
    return kind


def parse_mapping(pairs: Iterable[str]) -> dict[str, str]:
    """``["a:b", "c:d"]`` → ``{"a": "b", "c": "d"}``; refuses malformed or clashing pairs."""
    out: dict[str, str] = {}
    for pair in pairs:
        src, sep, dst = pair.partition(":")
        src, dst = src.strip(), dst.strip()
        if not sep or not src or not dst:
            raise ValueError(f"topics.mapping entry {pair!r} is not 'source:target'")
        if src in out and out[src] != dst:
            raise ValueError(f"topics.mapping maps {src!r} twice")
        out[src] = dst
    targets = list(out.values())
    dupes = {t for t in targets if targets.count(t) > 1}
    if dupes:
        raise ValueError(f"topics.mapping maps several topics to {sorted(dupes)}")
    return out


def offset_syncs_topic(target_alias: str) -> str:
    """MirrorMaker 2's offset-syncs topic for a flow into ``target_alias`` (default policy)."""
    return ReplicationPolicy().offset_syncs_topic(target_alias)


def checkpoints_topic(source_alias: str) -> str:
    """MirrorMaker 2's checkpoints topic for a flow from ``source_alias`` (default policy)."""
    return ReplicationPolicy().checkpoints_topic(source_alias)


def is_internal(topic: str) -> bool:
    """Kafka and Connect internal topics, and the mirror's own bookkeeping topics."""
    return (
        topic.startswith(("__", "."))
        or topic.endswith((".internal", "-internal"))
        or topic.startswith(OFFSET_SYNCS_PREFIX)
        or topic in ("connect-offsets", "connect-configs", "connect-status")
    )


@dataclass(frozen=True)
class ReplicationPolicy:
    """Names of remote topics for one flow (source alias → target).

    ``mapping`` (``topics.mapping``) wins over the policy for the topics it names.
    """

    kind: str = "default"
    separator: str = "."
    mapping: Mapping[str, str] = field(default_factory=dict)
    internal_separator_enabled: bool = True
    """``replication.policy.internal.topic.separator.enabled``: MM2's internal topic
    names use ``separator`` too (else ``.``)."""

    def __post_init__(self) -> None:
        if self.kind not in ("default", "identity"):
            raise ValueError(f"unknown replication policy {self.kind!r}")
        if not self.separator:
            raise ValueError("replication.policy.separator must not be empty")

    @property
    def internal_separator(self) -> str:
        return self.separator if self.internal_separator_enabled else "."

    def offset_syncs_topic(self, target_alias: str) -> str:
        """MM2's offset-syncs topic of a flow into ``target_alias``."""
        sep = self.internal_separator
        return f"mm2-offset-syncs{sep}{target_alias}{sep}internal"

    def checkpoints_topic(self, source_alias: str) -> str:
        """MM2's checkpoints topic on the target of a flow from ``source_alias``."""
        sep = self.internal_separator
        return f"{source_alias}{sep}checkpoints{sep}internal"

    def is_mm2_internal(self, topic: str) -> bool:
        """MM2's own topics (offset syncs, checkpoints, its Connect topics) by their suffix."""
        return topic.endswith(self.internal_separator + "internal")

    def remote_topic(self, source_alias: str, topic: str) -> str:
        """The target topic that receives ``topic`` of cluster ``source_alias``."""
        if topic in self.mapping:
            return self.mapping[topic]
        if self.kind == "identity":
            return topic
        return f"{source_alias}{self.separator}{topic}"

    def topic_source(self, topic: str) -> str | None:
        """The cluster alias a remote topic came from, or ``None`` for a local topic."""
        if topic in self._reverse:
            return None
        if self.kind == "identity":
            return None
        head, sep, _ = topic.partition(self.separator)
        return head if sep and head else None

    def upstream_topic(self, topic: str) -> str | None:
        """The topic name one hop upstream, or ``None`` for a local topic."""
        if topic in self._reverse:
            return self._reverse[topic]
        source = self.topic_source(topic)
        if source is None:
            return None
        return topic[len(source) + len(self.separator) :]

    def is_cycle(self, topic: str, target_alias: str) -> bool:
        """Whether ``topic`` already came (directly or through hops) from ``target_alias``.

        Mirroring such a topic to ``target_alias`` would send records back where they began.
        """
        seen = 0
        current: str | None = topic
        while current is not None and seen < 64:
            if self.topic_source(current) == target_alias:
                return True
            current = self.upstream_topic(current) if self.topic_source(current) else None
            seen += 1
        return False

    def is_heartbeats(self, topic: str) -> bool:
        """``heartbeats`` and its remote copies (``a.heartbeats``, ``b.a.heartbeats``)."""
        return topic == HEARTBEATS_TOPIC or topic.endswith(self.separator + HEARTBEATS_TOPIC)

    @property
    def _reverse(self) -> dict[str, str]:
        return {dst: src for src, dst in self.mapping.items()}


def _pattern(entries: Iterable[str]) -> re.Pattern[str] | None:
    parts = [e.strip() for e in entries if e.strip()]
    if not parts:
        return None
    try:
        return re.compile("|".join(f"(?:{p})" for p in parts))
    except re.error as exc:
        raise ValueError(f"not a valid topic pattern: {exc}") from exc


@dataclass(frozen=True)
class TopicFilter:
    """Which source topics a flow mirrors.

    ``include``/``exclude`` entries are names or regular expressions (MirrorMaker 2 treats
    both the same: a full match of any entry). Internal topics are always excluded,
    heartbeats always included (so lag is observable), and cycles refused.
    """

    include: tuple[str, ...] = (".*",)
    exclude: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_inc", _pattern(self.include))
        object.__setattr__(self, "_exc", _pattern(self.exclude))

    def matches(self, topic: str) -> bool:
        """The user's include/exclude lists alone."""
        inc: re.Pattern[str] | None = self._inc  # type: ignore[attr-defined]
        exc: re.Pattern[str] | None = self._exc  # type: ignore[attr-defined]
        if inc is None or not inc.fullmatch(topic):
            return False
        return not (exc is not None and exc.fullmatch(topic))

    def should_replicate(self, topic: str, policy: ReplicationPolicy, target_alias: str) -> bool:
        """The whole decision for ``topic``: filters, internal topics, heartbeats, cycles."""
        if is_internal(topic) or policy.is_mm2_internal(topic):
            return False
        if policy.is_cycle(topic, target_alias):
            return False
        return policy.is_heartbeats(topic) or self.matches(topic)
