"""What the console's Cluster view asks a Kafka cluster, through standard Kafka APIs.

    async with ClusterAdmin(clients) as admin:
        await admin.nodes()                 Metadata
        await admin.topics()                Metadata (all topics: never auto-creates one)
        await admin.topic(name)             Metadata, ListOffsets, DescribeLogDirs, DescribeConfigs
        await admin.create_topic(...)       CreateTopics
        await admin.delete_topic(name)      DeleteTopics
        await admin.add_partitions(...)     CreatePartitions
        await admin.update_configs(...)     IncrementalAlterConfigs
        await admin.reassign(...)           AlterPartitionReassignments
        await admin.reassignments(topic)    ListPartitionReassignments
        await admin.groups() / group(id)    ListGroups, DescribeGroups, OffsetFetch, ListOffsets

A broker's refusal raises ``BrokerError`` carrying the broker's own error name and message
(authorization, policy violation, invalid config); an API the broker does not offer raises
``Unsupported`` naming it, so the page can say so instead of failing.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewPartitions, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import IncompatibleBrokerVersion, KafkaError, for_code
from aiokafka.protocol.admin import (
    AlterPartitionReassignmentsRequest,
    ListPartitionReassignmentsRequest,
)

from connect.kafka import KafkaClients, to_aiokafka
from connect.rest.kafka_requests import DescribeLogDirs, IncrementalAlterConfigs

DEFAULT_SOURCES = {4, 5}  # STATIC_BROKER_CONFIG, DEFAULT_CONFIG
TOPIC_CONFIG_SOURCE = 1  # DYNAMIC_TOPIC_CONFIG: set on this topic


class BrokerError(Exception):
    """The broker refused: ``status`` for HTTP, ``message`` as the broker gave it."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class Unsupported(BrokerError):
    """The broker does not offer the Kafka API an action needs."""

    def __init__(self, api: str) -> None:
        super().__init__(f"This broker does not support the {api} API", status=501)
        self.api = api


_STATUS = {
    "TopicAuthorizationFailedError": 403,
    "ClusterAuthorizationFailedError": 403,
    "GroupAuthorizationFailedError": 403,
    "UnknownTopicOrPartitionError": 404,
    "GroupIdNotFoundError": 404,
    "TopicAlreadyExistsError": 409,
    "ReassignmentInProgressError": 409,
}


def broker_error(code: int, message: str | None, what: str) -> BrokerError:
    """A ``BrokerError`` from a Kafka error code and the broker's message."""
    name = for_code(code).__name__
    said = f": {message}" if message else ""
    return BrokerError(f"{what}: {name}{said}", _STATUS.get(name, 400))


# ---------------------------------------------------------------- the admin


class ClusterAdmin:
    """One admin client (and, for offsets, one group-less consumer) for one request."""

    def __init__(self, clients: KafkaClients, timeout_ms: int = 15_000) -> None:
        self.clients = clients
        self.timeout_ms = timeout_ms
        self.admin: AIOKafkaAdminClient = clients.admin(request_timeout_ms=timeout_ms)

    async def __aenter__(self) -> ClusterAdmin:
        try:
            await self.admin.start()
        except KafkaError as exc:
            await self.admin.close()
            raise BrokerError(f"Cannot reach {self.clients.bootstrap}: {exc}", 502) from exc
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.admin.close()

    async def _send(self, request: Any, api: str, node: int | None = None) -> Any:
        try:
            if node is None:
                return await self.admin._send_to_controller(request)
            return await self.admin._send_request_to_node(node, request)
        except (IncompatibleBrokerVersion, NotImplementedError) as exc:
            raise Unsupported(api) from exc

    async def _metadata(self) -> dict[str, Any]:
        response = await self.admin._get_cluster_metadata(topics=None)
        result: dict[str, Any] = response.to_object()
        return result

    # ------------------------------------------------------------ nodes and topics

    async def nodes(self) -> dict[str, Any]:
        meta = await self._metadata()
        controller = meta.get("controller_id")
        nodes = [
            {
                "id": b["node_id"],
                "host": b["host"],
                "port": b["port"],
                "rack": b.get("rack"),
                "controller": b["node_id"] == controller,
            }
            for b in sorted(meta["brokers"], key=lambda b: b["node_id"])
        ]
        return {"cluster_id": meta.get("cluster_id"), "controller_id": controller, "nodes": nodes}

    async def topics(self) -> list[dict[str, Any]]:
        meta = await self._metadata()
        out = []
        for t in meta["topics"]:
            if t["error_code"]:
                continue
            parts = t["partitions"]
            out.append(
                {
                    "name": t["topic"],
                    "internal": bool(t.get("is_internal")),
                    "partitions": len(parts),
                    "replication_factor": max((len(p["replicas"]) for p in parts), default=0),
                    "under_replicated": sum(1 for p in parts if _under_replicated(p)),
                }
            )
        return sorted(out, key=lambda t: str(t["name"]))

    async def _topic_meta(self, name: str) -> dict[str, Any]:
        meta = await self._metadata()
        for t in meta["topics"]:
            if t["topic"] == name and not t["error_code"]:
                return dict(t)
        raise BrokerError(f"Topic {name}: UnknownTopicOrPartitionError: no such topic", 404)

    async def topic(self, name: str) -> dict[str, Any]:
        t = await self._topic_meta(name)
        parts = sorted(t["partitions"], key=lambda p: p["partition"])
        ends = await self.end_offsets([TopicPartition(name, p["partition"]) for p in parts])
        sizes, sizes_note = await self._sizes(name, parts)
        configs, configs_note = await self.topic_configs(name)
        partitions = [
            {
                "partition": p["partition"],
                "leader": p["leader"],
                "replicas": list(p["replicas"]),
                "isr": list(p["isr"]),
                "under_replicated": _under_replicated(p),
                "end_offset": ends.get(p["partition"]),
                "size": sizes.get(p["partition"]),
            }
            for p in parts
        ]
        return {
            "name": name,
            "internal": bool(t.get("is_internal")),
            "partitions": partitions,
            "replication_factor": max((len(p["replicas"]) for p in parts), default=0),
            "sizes_note": sizes_note,
            "configs": configs,
            "configs_note": configs_note,
        }

    async def end_offsets(self, tps: list[TopicPartition]) -> dict[int, int]:
        if not tps:
            return {}
        settings = to_aiokafka(self.clients.connection)
        allowed = {k: v for k, v in settings.items() if k != "client_id"}
        consumer = AIOKafkaConsumer(
            **allowed, enable_auto_commit=False, request_timeout_ms=self.timeout_ms
        )
        try:
            await consumer.start()
            ends = await consumer.end_offsets(tps)
        except KafkaError as exc:
            raise BrokerError(f"End offsets: {type(exc).__name__}: {exc}", 502) from exc
        finally:
            await consumer.stop()
        return {tp.partition: int(off) for tp, off in ends.items()}

    async def end_offsets_of(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        by_topic: dict[str, list[TopicPartition]] = defaultdict(list)
        for tp in tps:
            by_topic[tp.topic].append(tp)
        out: dict[TopicPartition, int] = {}
        for topic, group in by_topic.items():
            for partition, end in (await self.end_offsets(group)).items():
                out[TopicPartition(topic, partition)] = end
        return out

    async def _sizes(self, name: str, parts: list[dict[str, Any]]) -> tuple[dict[int, int], str]:
        """Bytes on disk per partition (the leader's replica), from every broker's log dirs."""
        meta = await self._metadata()
        request = DescribeLogDirs([(name, [p["partition"] for p in parts])])
        leaders = {p["partition"]: p["leader"] for p in parts}
        sizes: dict[int, int] = {}
        for broker in meta["brokers"]:
            try:
                response = await self._send(request, "DescribeLogDirs", node=broker["node_id"])
            except Unsupported as exc:
                return {}, f"Sizes not reported: {exc.message}"
            for result in response.to_object()["results"]:
                if result["error_code"]:
                    continue
                for topic in result["topics"]:
                    for p in topic["partitions"]:
                        index = p["partition_index"]
                        if not p["is_future_key"] and leaders.get(index) == broker["node_id"]:
                            sizes[index] = sizes.get(index, 0) + int(p["partition_size"])
        return sizes, ""

    async def topic_configs(self, name: str) -> tuple[list[dict[str, Any]], str]:
        # configs=None: ask for all and filter here (a filter list breaks some brokers)
        resource = ConfigResource(ConfigResourceType.TOPIC, name, configs=None)
        try:
            responses = await self.admin.describe_configs([resource])
        except (IncompatibleBrokerVersion, NotImplementedError):
            return [], "Configs not reported: this broker does not support DescribeConfigs"
        out = []
        for response in responses:
            for res in response.to_object()["resources"]:
                if res["error_code"]:
                    raise broker_error(res["error_code"], res["error_message"], f"Topic {name}")
                for entry in res["config_entries"]:
                    source = entry.get("config_source")
                    if source is None:
                        default = bool(entry.get("is_default"))
                    else:
                        default = source != TOPIC_CONFIG_SOURCE
                    out.append(
                        {
                            "name": entry["config_names"],
                            "value": None if entry["is_sensitive"] else entry["config_value"],
                            "default": default,
                            "sensitive": bool(entry["is_sensitive"]),
                            "read_only": bool(entry["read_only"]),
                        }
                    )
        return sorted(out, key=lambda c: str(c["name"])), ""

    # ------------------------------------------------------------ topic actions

    async def create_topic(
        self,
        name: str,
        partitions: int,
        replication_factor: int,
        configs: Mapping[str, str],
    ) -> None:
        topic = NewTopic(name, partitions, replication_factor, topic_configs=dict(configs))
        response = await self.admin.create_topics([topic], timeout_ms=self.timeout_ms)
        for item in response.topic_errors:
            if item[1]:
                message = item[2] if len(item) > 2 else None
                raise broker_error(item[1], message, f"Create topic {name}")
        await self._until_known(name)

    async def _until_known(self, name: str, timeout: float = 10.0) -> None:
        """Wait until the broker we ask knows ``name`` with leaders, so that the page
        showing it next does not find it missing (metadata reaches brokers a bit later)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            meta = await self._metadata()
            for t in meta["topics"]:
                known = t["topic"] == name and not t["error_code"] and t["partitions"]
                if known and all(p["leader"] >= 0 for p in t["partitions"]):
                    return
            await asyncio.sleep(0.1)

    async def delete_topic(self, name: str) -> None:
        await self._topic_meta(name)
        response = await self.admin.delete_topics([name], timeout_ms=self.timeout_ms)
        for item in response.topic_error_codes:
            if item[1]:
                message = item[2] if len(item) > 2 else None
                raise broker_error(item[1], message, f"Delete topic {name}")

    async def add_partitions(self, name: str, count: int) -> None:
        try:
            await self.admin.create_partitions({name: NewPartitions(count)})
        except (IncompatibleBrokerVersion, NotImplementedError) as exc:
            raise Unsupported("CreatePartitions") from exc
        except KafkaError as exc:
            status = _STATUS.get(type(exc).__name__, 400)
            raise BrokerError(
                f"Add partitions to {name}: {type(exc).__name__}: {exc}", status
            ) from exc

    async def update_configs(self, name: str, set_: Mapping[str, str], delete: list[str]) -> None:
        ops: list[tuple[str, int, str | None]] = [(k, 0, str(v)) for k, v in set_.items()]
        ops += [(k, 1, None) for k in delete]
        request = IncrementalAlterConfigs([(int(ConfigResourceType.TOPIC), name, ops)])
        response = await self._send(request, "IncrementalAlterConfigs")
        for item in response.to_object()["responses"]:
            if item["error_code"]:
                raise broker_error(
                    item["error_code"], item["error_message"], f"Update configs of {name}"
                )

    async def reassign(self, name: str, assignment: Mapping[int, list[int]]) -> None:
        partitions: list[Any] = [
            (int(p), [int(r) for r in rs], {}) for p, rs in sorted(assignment.items())
        ]
        request = AlterPartitionReassignmentsRequest(self.timeout_ms, [(name, partitions, {})], {})
        response = (await self._send(request, "AlterPartitionReassignments")).to_object()
        if response["error_code"]:
            raise broker_error(
                response["error_code"], response["error_message"], f"Reassign {name}"
            )
        for topic in response["responses"]:
            for p in topic["partitions"]:
                if p["error_code"]:
                    raise broker_error(
                        p["error_code"],
                        p["error_message"],
                        f"Reassign {name} partition {p['partition_index']}",
                    )

    async def reassignments(self, name: str) -> list[dict[str, Any]]:
        """Ongoing reassignments of ``name``'s partitions (empty when all finished)."""
        t = await self._topic_meta(name)
        ids = [p["partition"] for p in t["partitions"]]
        request = ListPartitionReassignmentsRequest(self.timeout_ms, [(name, ids, {})], {})
        response = (await self._send(request, "ListPartitionReassignments")).to_object()
        if response["error_code"]:
            raise broker_error(
                response["error_code"], response["error_message"], f"Reassignments of {name}"
            )
        return [
            {
                "partition": p["partition_index"],
                "replicas": list(p["replicas"]),
                "adding": list(p["adding_replicas"]),
                "removing": list(p["removing_replicas"]),
            }
            for topic in response["topics"]
            for p in topic["partitions"]
        ]

    # ------------------------------------------------------------ consumer groups

    async def groups(self) -> list[dict[str, Any]]:
        listed = await self.admin.list_consumer_groups()
        ids = sorted({str(g[0]) for g in listed})
        described = await self._describe_groups(ids)
        return [
            {
                "group_id": gid,
                "state": described.get(gid, {}).get("state", ""),
                "members": len(described.get(gid, {}).get("members", [])),
            }
            for gid in ids
        ]

    async def _describe_groups(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        # one group per request: aiokafka 0.14 misreads a DescribeGroups answer that holds
        # several groups from Apache Kafka 4 (it drops the connection mid-decode)
        semaphore = asyncio.Semaphore(8)

        async def one(gid: str) -> list[dict[str, Any]]:
            async with semaphore:
                responses = await self.admin.describe_consumer_groups([gid])
            return [g for r in responses for g in r.to_object()["groups"]]

        out: dict[str, dict[str, Any]] = {}
        for found in await asyncio.gather(*(one(gid) for gid in ids)):
            for g in found:
                if not g["error_code"]:
                    out[g["group"]] = g
        return out

    async def group(self, group_id: str) -> dict[str, Any]:
        described = (await self._describe_groups([group_id])).get(group_id)
        if described is None:
            raise BrokerError(f"Group {group_id}: GroupIdNotFoundError: no such group", 404)
        meta = await self._metadata()
        # every partition asked for by name: OffsetFetch for "all" is not offered everywhere
        tps = [
            TopicPartition(t["topic"], p["partition"])
            for t in meta["topics"]
            if not t["error_code"] and not t.get("is_internal")
            for p in t["partitions"]
        ]
        committed = (
            await self.admin.list_consumer_group_offsets(group_id, partitions=tps) if tps else {}
        )
        known = {tp: om.offset for tp, om in committed.items() if om.offset >= 0}
        ends = await self.end_offsets_of(list(known))
        offsets = [
            {
                "topic": tp.topic,
                "partition": tp.partition,
                "committed": offset,
                "end_offset": ends.get(tp),
                "lag": max(0, ends[tp] - offset) if tp in ends else None,
            }
            for tp, offset in sorted(known.items())
        ]
        members = [
            {"member_id": m["member_id"], "client_id": m["client_id"], "host": m["client_host"]}
            for m in described.get("members", [])
        ]
        return {
            "group_id": group_id,
            "state": described.get("state", ""),
            "protocol_type": described.get("protocol_type", ""),
            "members": members,
            "offsets": offsets,
            "lag": sum(o["lag"] or 0 for o in offsets) if offsets else None,
        }


def _under_replicated(partition: Mapping[str, Any]) -> bool:
    return len(partition["isr"]) < len(partition["replicas"])
