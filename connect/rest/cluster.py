"""``/ui/api/clusters``: the Kafka clusters a worker knows, for the console's Cluster view.

    GET    /ui/api/clusters                                  the worker's own + mirror sides
    GET    /ui/api/clusters/{id}/nodes                       brokers, controller
    GET    /ui/api/clusters/{id}/topics                      topics, partitions, URPs
    POST   /ui/api/clusters/{id}/topics                      create (name, partitions, rf, configs)
    GET    /ui/api/clusters/{id}/topics/{topic}              partitions, end offsets, sizes, configs
    DELETE /ui/api/clusters/{id}/topics/{topic}              delete
    POST   /ui/api/clusters/{id}/topics/{topic}/partitions   add partitions (total count)
    PATCH  /ui/api/clusters/{id}/topics/{topic}/configs      set / delete topic configs
    POST   /ui/api/clusters/{id}/topics/{topic}/reassign     move partitions to other brokers
    GET    /ui/api/clusters/{id}/topics/{topic}/reassignments   ongoing moves
    GET    /ui/api/clusters/{id}/groups[/{group}]            consumer groups, offsets, lag

A cluster is the worker's own (``worker``) or a side of a connector that names one
(``<prefix>cluster.bootstrap.servers``, e.g. a mirror's ``source.`` and ``target.``),
reached with that connector's connection settings. Ids and bootstrap addresses are all
the page sees of them: never credentials.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Body, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from connect.config import resolve_all
from connect.herder.base import NotFound
from connect.kafka import KafkaClients
from connect.rest.context import Ctx, RestContext
from connect.rest.kafka_admin import BrokerError, ClusterAdmin

router = APIRouter(prefix="/ui/api/clusters", tags=["ui"], include_in_schema=False)

_SIDE = re.compile(r"^(?P<prefix>(?:[a-z0-9_]+\.)*)cluster\.bootstrap\.servers$")
_CONNECTION = ("bootstrap.servers", "security.protocol", "sasl.", "ssl.")


@dataclass
class KnownCluster:
    id: str
    label: str
    clients: KafkaClients

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "label": self.label, "bootstrap": self.clients.bootstrap}


def _worker_clients(ctx: RestContext) -> KafkaClients | None:
    worker = getattr(ctx.herder, "worker", None)
    clients = getattr(worker, "clients", None)
    if isinstance(clients, KafkaClients) and clients.connection.get("bootstrap.servers"):
        return clients
    return None


def _sides(name: str, config: Mapping[str, Any]) -> list[KnownCluster]:
    out = []
    for key in config:
        match = _SIDE.match(key)
        if not match:
            continue
        prefix = match["prefix"] + "cluster."
        settings = {
            k[len(prefix) :]: v
            for k, v in config.items()
            if k.startswith(prefix) and k[len(prefix) :].startswith(_CONNECTION)
        }
        try:
            settings = resolve_all(settings)
        except Exception:  # an unresolvable ${env:...}: that cluster is just not shown
            continue
        side = match["prefix"].rstrip(".") or "cluster"
        alias = config.get(f"{match['prefix']}cluster.alias") or side
        out.append(
            KnownCluster(f"{name}.{side}", f"{alias} ({name} {side})", KafkaClients(settings))
        )
    return out


def stored_config(herder: Any, name: str) -> dict[str, Any] | None:
    """The connector's config as stored, secrets included, or ``None`` if unobtainable.

    Herders hand out masked configs only; the console needs the stored values on the
    server side (to keep an unchanged secret on save, to reach a mirror's clusters).
    Never returned to the page.
    """
    getter = getattr(herder, "stored_config", None)
    if callable(getter):
        found = getter(name)
        return dict(found) if isinstance(found, Mapping) else None
    for private in ("_get", "_entry"):  # StandaloneHerder, ClusterHerder
        lookup = getattr(herder, private, None)
        if callable(lookup):
            try:
                config = getattr(lookup(name), "config", None)
            except Exception:
                return None
            return dict(config) if isinstance(config, Mapping) else None
    return None


async def known_clusters(ctx: RestContext) -> list[KnownCluster]:
    """The worker's cluster, then each distinct cluster its connectors name."""
    found: list[KnownCluster] = []
    own = _worker_clients(ctx)
    if own is not None:
        found.append(KnownCluster("worker", "worker cluster", own))
    seen = {c.clients.bootstrap for c in found}
    for name in sorted(await ctx.herder.connectors()):
        try:
            info = await ctx.herder.connector_info(name)
        except NotFound:
            continue
        # the stored config: the masked one has no credentials to connect with
        config = stored_config(ctx.herder, name) or info.config
        for side in _sides(name, config):
            if side.clients.bootstrap not in seen:
                seen.add(side.clients.bootstrap)
                found.append(side)
    return found


async def _cluster(ctx: RestContext, cluster_id: str) -> KnownCluster:
    for cluster in await known_clusters(ctx):
        if cluster.id == cluster_id:
            return cluster
    raise NotFound(f"Unknown cluster {cluster_id}")


def _admin(cluster: KnownCluster) -> ClusterAdmin:
    return ClusterAdmin(cluster.clients)


def broker_failure(exc: BrokerError) -> JSONResponse:
    return JSONResponse({"error_code": exc.status, "message": exc.message}, exc.status)


class NewTopicBody(BaseModel):
    name: str = Field(min_length=1, max_length=249, pattern=r"^[a-zA-Z0-9._-]+$")
    partitions: int = Field(1, ge=1)
    replication_factor: int = Field(1, ge=1)
    configs: dict[str, str] = Field(default_factory=dict)


class PartitionsBody(BaseModel):
    count: int = Field(ge=1, description="The new total number of partitions")


class ConfigsBody(BaseModel):
    set: dict[str, str] = Field(default_factory=dict)
    delete: list[str] = Field(default_factory=list)


class ReassignBody(BaseModel):
    partitions: dict[int, list[int]] = Field(description="partition → new replica broker ids")


@router.get("")
async def list_clusters(ctx: Ctx) -> Response:
    return JSONResponse([c.to_json() for c in await known_clusters(ctx)])


@router.get("/{cluster_id}/nodes")
async def nodes(ctx: Ctx, cluster_id: str) -> Response:
    async with _admin(await _cluster(ctx, cluster_id)) as admin:
        return JSONResponse(await admin.nodes())


@router.get("/{cluster_id}/topics")
async def topics(ctx: Ctx, cluster_id: str) -> Response:
    async with _admin(await _cluster(ctx, cluster_id)) as admin:
        return JSONResponse(await admin.topics())


@router.post("/{cluster_id}/topics", status_code=201)
async def create_topic(ctx: Ctx, cluster_id: str, body: NewTopicBody) -> Response:
    async with _admin(await _cluster(ctx, cluster_id)) as admin:
        await admin.create_topic(body.name, body.partitions, body.replication_factor, body.configs)
    return JSONResponse({"name": body.name}, status_code=201)


@router.get("/{cluster_id}/topics/{topic}")
async def topic(ctx: Ctx, cluster_id: str, topic: str) -> Response:
    async with _admin(await _cluster(ctx, cluster_id)) as admin:
        return JSONResponse(await admin.topic(topic))


@router.delete("/{cluster_id}/topics/{topic}", status_code=204)
async def delete_topic(ctx: Ctx, cluster_id: str, topic: str) -> Response:
    async with _admin(await _cluster(ctx, cluster_id)) as admin:
        await admin.delete_topic(topic)
    return Response(status_code=204)


@router.post("/{cluster_id}/topics/{topic}/partitions")
async def add_partitions(ctx: Ctx, cluster_id: str, topic: str, body: PartitionsBody) -> Response:
    async with _admin(await _cluster(ctx, cluster_id)) as admin:
        await admin.add_partitions(topic, body.count)
    return JSONResponse({"name": topic, "partitions": body.count})


@router.patch("/{cluster_id}/topics/{topic}/configs")
async def update_configs(
    ctx: Ctx, cluster_id: str, topic: str, body: Annotated[ConfigsBody, Body()]
) -> Response:
    async with _admin(await _cluster(ctx, cluster_id)) as admin:
        await admin.update_configs(topic, body.set, body.delete)
    return JSONResponse({"name": topic})


@router.post("/{cluster_id}/topics/{topic}/reassign", status_code=202)
async def reassign(ctx: Ctx, cluster_id: str, topic: str, body: ReassignBody) -> Response:
    async with _admin(await _cluster(ctx, cluster_id)) as admin:
        await admin.reassign(topic, body.partitions)
    return JSONResponse({"name": topic}, status_code=202)


@router.get("/{cluster_id}/topics/{topic}/reassignments")
async def reassignments(ctx: Ctx, cluster_id: str, topic: str) -> Response:
    async with _admin(await _cluster(ctx, cluster_id)) as admin:
        return JSONResponse(await admin.reassignments(topic))


@router.get("/{cluster_id}/groups")
async def groups(ctx: Ctx, cluster_id: str) -> Response:
    async with _admin(await _cluster(ctx, cluster_id)) as admin:
        return JSONResponse(await admin.groups())


@router.get("/{cluster_id}/groups/{group_id}")
async def group(ctx: Ctx, cluster_id: str, group_id: str) -> Response:
    async with _admin(await _cluster(ctx, cluster_id)) as admin:
        return JSONResponse(await admin.group(group_id))
