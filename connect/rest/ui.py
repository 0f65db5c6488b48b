"""The web console at ``/ui``: static pages that call the REST API of the worker serving them.

    GET  /ui                      the single page (index.html), no caching, strict CSP
    GET  /ui/static/...           its CSS and JS (package data: no network, no Node at run time)
    GET  /ui/api/session          {"read_only": ..., "version": ..., "worker_id": ...}
    POST /ui/api/tasks/parse      pasted task JSON in any accepted shape → {"name", "config"}
    PUT  /ui/api/connectors/{n}/config   a config edit; masked secrets keep their stored value
    /ui/api/clusters/...          the Cluster view (cluster.py)

Safety, for every path of the app:
- a request that changes state (POST/PUT/PATCH/DELETE) from a browser must come from
  this origin: ``Origin`` (or ``Sec-Fetch-Site``) naming another site is refused with 403,
  so another web page cannot drive the API with the user's credentials;
- with ``ui.read.only=true`` the page hides every action, and every change coming from
  a browser or the console (``X-Smart-Connect-UI``) is refused with 403. Scripts and the
  CLI (no browser headers) keep full access to the REST API.
- authentication is the REST API's own (the middleware in auth.py wraps the whole app).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiokafka.errors import KafkaError
from fastapi import APIRouter, Body, FastAPI, Request, Response
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from connect.rest import cluster
from connect.rest.cluster import stored_config
from connect.rest.connectors import info_json
from connect.rest.context import Ctx
from connect.rest.kafka_admin import BrokerError
from connect.secrets import MASK

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
READ_ONLY = "ui.read.only"
UI_HEADER = b"x-smart-connect-ui"
_SAFE = {"GET", "HEAD", "OPTIONS"}
_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)

router = APIRouter(tags=["ui"], include_in_schema=False)


def read_only_setting(value: Any) -> bool:
    """``ui.read.only`` as given in a worker config (bool or ``"true"``/``"false"``)."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


@router.get("/ui")
async def index_redirect() -> Response:
    return RedirectResponse("/ui/", status_code=308)


@router.get("/ui/")
async def index() -> Response:
    return FileResponse(
        STATIC / "index.html",
        headers={
            "Cache-Control": "no-store",
            "Content-Security-Policy": _CSP,
            "X-Frame-Options": "DENY",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
        },
    )


@router.get("/ui/api/session")
async def session(ctx: Ctx, request: Request) -> Response:
    return JSONResponse(
        {
            "read_only": bool(request.app.state.ui_read_only),
            "version": request.app.version,
            "worker_id": getattr(ctx.herder, "worker_id", None),
        }
    )


def parse_task_text(text: str) -> dict[str, Any]:
    """``{"name", "config", "shape"}`` from pasted task JSON.

    Accepted shapes: Kafka Connect's ``{"name", "config": {...}}``; a flat config
    (``{"connector.class": ..., "name"?: ...}``); Huawei Smart Connect's task body
    (``{"task_name", "source_type"/"sink_type", "source_task"/"sink_task", "topics"...}``).
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    if not isinstance(data, dict):
        raise ValueError('expected a JSON object, e.g. {"name": ..., "config": {...}}')
    if isinstance(data.get("config"), dict):
        return {"name": data.get("name") or "", "config": dict(data["config"]), "shape": "kafka"}
    if "task_name" in data or "source_type" in data or "sink_type" in data:
        return {"name": data.get("task_name") or "", "config": _huawei(data), "shape": "huawei"}
    if "connector.class" in data:
        config = {k: v for k, v in data.items() if k != "name"}
        return {"name": data.get("name") or "", "config": config, "shape": "flat"}
    raise ValueError(
        'no connector found: give {"name", "config": {...}}, a flat config with '
        '"connector.class", or a Huawei task with source_type/sink_type'
    )


def _huawei(data: dict[str, Any]) -> dict[str, Any]:
    sink = str(data.get("sink_type") or "NONE").upper()
    source = str(data.get("source_type") or "NONE").upper()
    if sink != "NONE":
        kind, body = sink, data.get("sink_task")
    elif source != "NONE":
        kind, body = source, data.get("source_task")
    else:
        raise ValueError("source_type or sink_type: one of them must name a connector")
    if not isinstance(body, dict):
        which = "sink_task" if sink != "NONE" else "source_task"
        raise ValueError(f"{which}: expected an object with the task's parameters")
    config: dict[str, Any] = {"connector.class": kind, **body}
    for key in ("topics", "topics_regex"):
        if data.get(key) and key not in config:
            config[key.replace("_", ".")] = data[key]
    return config


@router.post("/ui/api/tasks/parse")
async def parse_task(body: dict[str, Any] = Body(...)) -> Response:  # noqa: B008
    text = body.get("text")
    if not isinstance(text, str):
        return JSONResponse({"error_code": 400, "message": "text: expected a string"}, 400)
    try:
        return JSONResponse(parse_task_text(text))
    except ValueError as exc:
        return JSONResponse({"error_code": 400, "message": f"Pasted task: {exc}"}, 400)


@router.put("/ui/api/connectors/{name}/config")
async def save_config(
    ctx: Ctx,
    name: str,
    config: dict[str, Any] = Body(...),  # noqa: B008
) -> Response:
    """``PUT /connectors/{name}/config`` for the page, which only ever sees masked secrets:
    a value still equal to the mask keeps the stored secret."""
    await ctx.herder.connector_info(name)  # NotFound → 404
    masked = [k for k, v in config.items() if v == MASK]
    stored = stored_config(ctx.herder, name) if masked else {}
    if stored is None:
        keys = ", ".join(sorted(masked))
        return JSONResponse(
            {"error_code": 400, "message": f"{keys}: type the secret value again to save"}, 400
        )
    merged = {k: stored[k] if k in masked and k in stored else v for k, v in config.items()}
    if merged.get("name", name) != name:
        return JSONResponse({"error_code": 400, "message": "name: cannot be changed"}, 400)
    _, info = await ctx.herder.put_connector_config(
        name, {**merged, "name": name}, allow_replace=True
    )
    return JSONResponse(info_json(ctx, info))


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _deny(message: str) -> dict[str, Any]:
    return {"error_code": 403, "message": message}


class GuardMiddleware:
    """Same-origin check on state-changing requests, and ``ui.read.only``."""

    def __init__(self, app: ASGIApp, read_only: bool) -> None:
        self.app = app
        self.read_only = read_only

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _SAFE:
            await self.app(scope, receive, send)
            return
        refusal = self.refusal(scope)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        response = JSONResponse(_deny(refusal), 403)
        await response(scope, receive, send)

    def refusal(self, scope: Scope) -> str | None:
        origin = _header(scope, b"origin")
        fetch_site = _header(scope, b"sec-fetch-site")
        host = _header(scope, b"host")
        browser = origin is not None or fetch_site is not None
        if fetch_site is not None and fetch_site not in ("same-origin", "none"):
            return f"Cross-site request refused ({fetch_site}): use the console on this worker"
        if origin is not None and origin != "null":
            if urlsplit(origin).netloc != host:
                return f"Cross-origin request refused: {origin} is not this worker"
        elif origin == "null":
            return "Cross-origin request refused: opaque origin"
        if self.read_only and (browser or _header(scope, UI_HEADER) is not None):
            return "The console is read-only (ui.read.only=true): changes are refused"
        return None


def install(app: FastAPI, *, read_only: bool) -> None:
    """Serve the console on ``app`` and guard state-changing requests."""
    app.state.ui_read_only = read_only

    async def broker_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, BrokerError)
        return cluster.broker_failure(exc)

    async def kafka_error(request: Request, exc: Exception) -> Response:
        log.warning("console: Kafka request failed: %s %s", request.url.path, exc, exc_info=exc)
        said = f"{type(exc).__name__}: {exc}"
        return JSONResponse({"error_code": 502, "message": f"The broker failed: {said}"}, 502)

    app.add_exception_handler(BrokerError, broker_error)
    app.add_exception_handler(KafkaError, kafka_error)
    app.include_router(router)
    app.include_router(cluster.router)
    app.mount("/ui/static", StaticFiles(directory=STATIC), name="ui-static")
    app.add_middleware(GuardMiddleware, read_only=read_only)
