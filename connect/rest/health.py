"""``GET /health`` (Kafka's KIP-1017), open to probes without credentials.

200 {"status": "healthy", ...}    started, and the herder answered
503 {"status": "starting", ...}   still starting (e.g. not yet in the group)
500 {"status": "unhealthy", ...}  the herder did not answer within 10 s
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from connect.rest.context import Ctx

HEALTH_PATH = "/health"
TIMEOUT_S = 10.0

router = APIRouter(tags=["root"])


def _ready(herder: Any) -> bool:
    ready = getattr(herder, "ready", True)
    return bool(ready() if callable(ready) else ready)


async def _answers(herder: Any) -> None:
    check = getattr(herder, "health_check", None)
    if callable(check):
        await check()
    else:
        await herder.connectors()


@router.get(HEALTH_PATH, summary="Worker health (KIP-1017)")
async def health(ctx: Ctx) -> JSONResponse:
    herder = ctx.herder
    if not _ready(herder):
        return JSONResponse(
            {"status": "starting", "message": "Worker is still starting up."}, status_code=503
        )
    try:
        await asyncio.wait_for(_answers(herder), timeout=TIMEOUT_S)
    except TimeoutError:
        return _unhealthy(
            f"Worker did not answer a health check within {TIMEOUT_S:g} s "
            "and may be unable to handle other requests."
        )
    except Exception as exc:  # the herder is broken: say so, never a traceback
        return _unhealthy(f"Worker health check failed: {type(exc).__name__}: {exc}")
    return JSONResponse(
        {
            "status": "healthy",
            "message": "Worker has completed startup and is ready to handle requests.",
        }
    )


def _unhealthy(message: str) -> JSONResponse:
    return JSONResponse({"status": "unhealthy", "message": message}, status_code=500)
