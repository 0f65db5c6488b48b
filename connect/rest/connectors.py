"""``/connectors``: create, inspect, change and remove connectors (Kafka Connect's paths)."""

from __future__ import annotations

import asyncio
import re
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response
from fastapi.responses import JSONResponse

from connect.herder.base import BadRequest, ConnectorInfo, ConnectorType, NotFound
from connect.rest.context import Ctx, RestContext
from connect.rest.metrics import task_metrics
from connect.rest.models import (
    ConnectorInfoModel,
    ConnectorOffsets,
    ConnectorStatusModel,
    CreateConnectorRequest,
    ErrorMessage,
    ExpandedConnector,
    Message,
    TaskInfo,
    TaskState,
    TopicsModel,
)
from connect.status import State, Status, TargetState, TaskId

router = APIRouter(prefix="/connectors", tags=["connectors"])

_NAME = re.compile(r"^[^/\\\s][^/\\]*$")
_ERR: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorMessage, "description": "Invalid request"},
    404: {"model": ErrorMessage, "description": "No such connector"},
    409: {"model": ErrorMessage, "description": "Conflict (e.g. a rebalance is in progress)"},
}
_INITIAL_STATE = {"RUNNING": TargetState.STARTED, "PAUSED": TargetState.PAUSED}
_INITIAL_STATE["STOPPED"] = TargetState.STOPPED

ConfigBody = Annotated[dict[str, Any], Body(description="The connector config (key → value)")]


# ---------------------------------------------------------------- JSON shapes


def info_json(ctx: RestContext, info: ConnectorInfo) -> dict[str, Any]:
    out = info.to_json()
    out["config"] = ctx.mask_config(info.config)
    return out


def status_json(
    name: str, connector: Status, tasks: dict[int, Status], kind: ConnectorType
) -> dict[str, Any]:
    return {
        "name": name,
        "connector": connector.to_json(),
        "tasks": [{"id": task_id, **tasks[task_id].to_json()} for task_id in sorted(tasks)],
        "type": kind,
    }


async def _status(ctx: RestContext, name: str) -> dict[str, Any]:
    connector, tasks, kind = await ctx.herder.connector_status(name)
    out = status_json(name, connector, tasks, kind)
    for task in out["tasks"]:  # throughput and lag of the tasks running here
        found = task_metrics(ctx.herder, TaskId(name, task["id"]))
        if found is not None:
            task["metrics"] = found
    return out


def _check_name(name: str) -> None:
    if not name or not _NAME.match(name):
        raise BadRequest(
            f"Invalid connector name {name!r}: it must be non-empty, not start with "
            "whitespace, and contain no '/' or '\\'"
        )


def _with_name(name: str, config: dict[str, Any]) -> dict[str, Any]:
    given = config.get("name")
    if given is not None and given != name:
        raise BadRequest(
            f"Connector name configuration ({given}) doesn't match connector name in the URL "
            f"({name})"
        )
    return {**config, "name": name}


# ---------------------------------------------------------------- collection


@router.get(
    "",
    summary="List connectors",
    responses={200: {"model": list[str] | dict[str, ExpandedConnector]}, **_ERR},
)
async def list_connectors(
    ctx: Ctx,
    expand: Annotated[
        list[str], Query(description="status and/or info: return a map name → details")
    ] = [],  # noqa: B006 - FastAPI copies query defaults
) -> Response:
    names = sorted(await ctx.herder.connectors())
    wanted = [e for e in expand if e in ("status", "info")]
    if not wanted:
        return JSONResponse(names)

    async def details(name: str) -> dict[str, Any] | None:
        out: dict[str, Any] = {}
        try:
            if "info" in wanted:
                out["info"] = info_json(ctx, await ctx.herder.connector_info(name))
            if "status" in wanted:
                out["status"] = await _status(ctx, name)
        except NotFound:  # deleted while we were listing
            return None
        return out

    results = await asyncio.gather(*(details(n) for n in names))
    return JSONResponse({n: d for n, d in zip(names, results, strict=True) if d is not None})


@router.post(
    "",
    status_code=201,
    summary="Create a connector",
    responses={201: {"model": ConnectorInfoModel}, **_ERR},
)
async def create_connector(ctx: Ctx, body: CreateConnectorRequest) -> Response:
    _check_name(body.name)
    config = _with_name(body.name, body.config)
    _, info = await ctx.herder.put_connector_config(body.name, config, allow_replace=False)
    if body.initial_state and body.initial_state != "RUNNING":
        await ctx.herder.set_target_state(body.name, _INITIAL_STATE[body.initial_state])
    return JSONResponse(
        info_json(ctx, info), status_code=201, headers={"Location": f"/connectors/{info.name}"}
    )


# ---------------------------------------------------------------- one connector


@router.get(
    "/{name}", summary="Connector info", responses={200: {"model": ConnectorInfoModel}, **_ERR}
)
async def get_connector(ctx: Ctx, name: str) -> Response:
    return JSONResponse(info_json(ctx, await ctx.herder.connector_info(name)))


@router.delete("/{name}", status_code=204, summary="Delete a connector", responses=_ERR)
async def delete_connector(ctx: Ctx, name: str) -> Response:
    await ctx.herder.delete_connector(name)
    return Response(status_code=204)


@router.get(
    "/{name}/config",
    summary="Connector config",
    responses={200: {"model": dict[str, Any]}, **_ERR},
)
async def get_config(ctx: Ctx, name: str) -> Response:
    info = await ctx.herder.connector_info(name)
    return JSONResponse(ctx.mask_config(info.config))


@router.put(
    "/{name}/config",
    summary="Create or update a connector",
    responses={
        200: {"model": ConnectorInfoModel, "description": "Updated"},
        201: {"model": ConnectorInfoModel, "description": "Created"},
        **_ERR,
    },
)
async def put_config(ctx: Ctx, name: str, config: ConfigBody) -> Response:
    _check_name(name)
    created, info = await ctx.herder.put_connector_config(
        name, _with_name(name, config), allow_replace=True
    )
    if created:
        return JSONResponse(
            info_json(ctx, info), status_code=201, headers={"Location": f"/connectors/{name}"}
        )
    return JSONResponse(info_json(ctx, info))


@router.get(
    "/{name}/status",
    summary="Connector status",
    responses={200: {"model": ConnectorStatusModel}, **_ERR},
)
async def get_status(ctx: Ctx, name: str) -> Response:
    return JSONResponse(await _status(ctx, name))


@router.post(
    "/{name}/restart",
    summary="Restart a connector (and optionally its tasks)",
    responses={
        202: {"model": ConnectorStatusModel, "description": "Restart planned; states as planned"},
        204: {"description": "Connector restarted"},
        **_ERR,
    },
)
async def restart_connector(
    ctx: Ctx,
    name: str,
    include_tasks: Annotated[bool, Query(alias="includeTasks")] = False,
    only_failed: Annotated[bool, Query(alias="onlyFailed")] = False,
) -> Response:
    if not include_tasks and not only_failed:
        await ctx.herder.restart_connector(name)
        return Response(status_code=204)
    # Kafka Connect answers with the plan: what will restart is shown as RESTARTING.
    plan = await _status(ctx, name)
    failed = State.FAILED.value
    if not only_failed or plan["connector"]["state"] == failed:
        plan["connector"]["state"] = State.RESTARTING.value
    if include_tasks:
        for task in plan["tasks"]:
            if not only_failed or task["state"] == failed:
                task["state"] = State.RESTARTING.value
    await ctx.herder.restart_connector(name, include_tasks=include_tasks, only_failed=only_failed)
    return JSONResponse(plan, status_code=202)


@router.put(
    "/{name}/pause", status_code=202, summary="Pause a connector and its tasks", responses=_ERR
)
async def pause_connector(ctx: Ctx, name: str) -> Response:
    await ctx.herder.set_target_state(name, TargetState.PAUSED)
    return Response(status_code=202)


@router.put("/{name}/resume", status_code=202, summary="Resume a connector", responses=_ERR)
async def resume_connector(ctx: Ctx, name: str) -> Response:
    await ctx.herder.set_target_state(name, TargetState.STARTED)
    return Response(status_code=202)


@router.put(
    "/{name}/stop", status_code=204, summary="Stop a connector (tasks shut down)", responses=_ERR
)
async def stop_connector(ctx: Ctx, name: str) -> Response:
    await ctx.herder.set_target_state(name, TargetState.STOPPED)
    return Response(status_code=204)


# ---------------------------------------------------------------- tasks


@router.get(
    "/{name}/tasks", summary="Task configs", responses={200: {"model": list[TaskInfo]}, **_ERR}
)
async def get_tasks(ctx: Ctx, name: str) -> Response:
    configs = await ctx.herder.task_configs(name)
    return JSONResponse(
        [
            {
                "id": {"connector": name, "task": task_id},
                "config": ctx.mask_config(configs[task_id]),
            }
            for task_id in sorted(configs)
        ]
    )


@router.get(
    "/{name}/tasks/{task_id}/status",
    summary="Task status",
    responses={200: {"model": TaskState}, **_ERR},
)
async def get_task_status(ctx: Ctx, name: str, task_id: int) -> Response:
    _, tasks, _ = await ctx.herder.connector_status(name)
    if task_id not in tasks:
        raise NotFound(f"Task {name}-{task_id} not found")
    return JSONResponse({"id": task_id, **tasks[task_id].to_json()})


@router.post(
    "/{name}/tasks/{task_id}/restart", status_code=204, summary="Restart a task", responses=_ERR
)
async def restart_task(ctx: Ctx, name: str, task_id: int) -> Response:
    await ctx.herder.restart_task(name, task_id)
    return Response(status_code=204)


# ---------------------------------------------------------------- topics and offsets


@router.get(
    "/{name}/topics",
    summary="Topics the connector used",
    responses={200: {"model": dict[str, TopicsModel]}, **_ERR},
)
async def get_topics(ctx: Ctx, name: str) -> Response:
    topics = await ctx.herder.connector_topics(name)
    return JSONResponse({name: {"topics": sorted(topics)}})


@router.put(
    "/{name}/topics/reset",
    summary="Forget the topics the connector used",
    responses={200: {"description": "Reset"}, **_ERR},
)
async def reset_topics(ctx: Ctx, name: str) -> Response:
    await ctx.herder.reset_connector_topics(name)
    return Response(status_code=200)


@router.get(
    "/{name}/offsets",
    summary="Connector offsets",
    responses={200: {"model": ConnectorOffsets}, **_ERR},
)
async def get_offsets(ctx: Ctx, name: str) -> Response:
    return JSONResponse({"offsets": await ctx.herder.get_offsets(name)})


@router.patch(
    "/{name}/offsets",
    summary="Alter offsets (connector must be STOPPED)",
    responses={200: {"model": Message}, **_ERR},
)
async def alter_offsets(ctx: Ctx, name: str, body: ConnectorOffsets) -> Response:
    if not body.offsets:
        raise BadRequest("Offsets to alter may not be empty")
    offsets = [o.model_dump() for o in body.offsets]
    await ctx.herder.alter_offsets(name, offsets)
    return JSONResponse(
        {"message": "The offsets for this connector have been altered successfully"}
    )


@router.delete(
    "/{name}/offsets",
    summary="Reset offsets (connector must be STOPPED)",
    responses={200: {"model": Message}, **_ERR},
)
async def reset_offsets(ctx: Ctx, name: str) -> Response:
    await ctx.herder.alter_offsets(name, None)
    return JSONResponse({"message": "The offsets for this connector have been reset successfully"})
