"""``/admin/loggers``: read and change log levels at run time."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from connect.herder.base import BadRequest, NotFound
from connect.rest import loggers
from connect.rest.models import ErrorMessage, LoggerLevel, LoggerLevelRequest

router = APIRouter(prefix="/admin/loggers", tags=["admin"])

_ERR: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorMessage, "description": "Invalid level"},
    404: {"model": ErrorMessage, "description": "No such logger"},
}


@router.get(
    "",
    summary="Levels of root and explicitly set loggers",
    responses={200: {"model": dict[str, LoggerLevel]}},
)
async def list_loggers() -> Response:
    return JSONResponse(loggers.all_levels())


@router.get(
    "/{logger}", summary="A logger's level", responses={200: {"model": LoggerLevel}, **_ERR}
)
async def get_logger(logger: str) -> Response:
    level = loggers.get_level(logger)
    if level is None:
        raise NotFound(f"Logger {logger} not found.")
    return JSONResponse(level)


@router.put(
    "/{logger}",
    summary="Set a logger's level (and its descendants')",
    responses={
        200: {"model": list[str], "description": "Loggers changed"},
        204: {"description": "scope=cluster: applied"},
        **_ERR,
    },
)
async def set_logger(
    logger: str,
    body: LoggerLevelRequest,
    scope: Annotated[
        str | None, Query(description="worker (default) or cluster; others mean worker")
    ] = None,
) -> Response:
    try:
        changed = loggers.set_level(logger, body.level)
    except loggers.UnknownLevel as exc:
        raise BadRequest(str(exc)) from exc
    if (scope or "").lower() == "cluster":
        # One process serves this API in standalone mode; a cluster herder fans it out.
        return Response(status_code=204)
    return JSONResponse(changed)
