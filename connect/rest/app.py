"""The REST API: Kafka Connect's paths and JSON shapes over a ``Herder``.

    create_app(herder)  →  FastAPI app
        /                                   version, commit, kafka_cluster_id
        /connectors[...]                    connectors.py
        /connector-plugins[...]             plugins.py
        /admin/loggers[...]                 admin.py
        /metrics                            metrics.py (Prometheus text format)
        /health                             health.py (KIP-1017, never authenticated)
        /ui, /ui/api/...                    the web console (ui.py, cluster.py)
        /openapi.json                       the OpenAPI document

Every error is ``{"error_code": <status>, "message": "..."}``: herder errors carry
their status; malformed or invalid requests are 400; unknown paths 404.
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from connect.api.errors import ConfigError
from connect.herder.base import Herder, HerderError
from connect.plugins import PluginRegistry, registry
from connect.rest import admin, connectors, health, metrics, plugins, ui
from connect.rest.auth import AuthConfig, AuthMiddleware
from connect.rest.context import Ctx, RestContext
from connect.rest.models import ErrorMessage, ServerInfo

log = logging.getLogger(__name__)


_JSON_APIS = ("/connectors", "/connector-plugins", "/admin/")


def _version() -> str:
    try:
        return importlib.metadata.version("smart-connect")
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0"


def error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """Kafka Connect's error body."""
    return JSONResponse({"error_code": status, "message": message}, status, headers=headers)


def _describe(errors: list[Any]) -> str:
    """A message naming each bad field; never echoes input values (they may be secrets)."""
    parts = []
    for err in errors:
        if err.get("type") == "json_invalid":
            reason = (err.get("ctx") or {}).get("error", "invalid JSON")
            return f"Cannot deserialize request body: malformed JSON ({reason})"
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "__root__")]
        where = ".".join(loc) or "request body"
        message = "is required" if err.get("type") == "missing" else err.get("msg", "is invalid")
        parts.append(f"{where}: {message}")
    return "Invalid request: " + "; ".join(parts)


def _install_error_handlers(app: FastAPI) -> None:
    async def herder_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HerderError)
        return error(exc.status, exc.message)

    async def config_error(request: Request, exc: Exception) -> Response:
        return error(400, str(exc))

    async def model_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ValidationError)
        return error(400, _describe(list(exc.errors(include_url=False, include_input=False))))

    async def request_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return error(400, _describe(list(exc.errors())))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = f"Not found: {request.method} {request.url.path}"
        return error(exc.status_code, message, dict(exc.headers or {}))

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("REST request failed: %s %s", request.method, request.url.path)
        return error(500, f"Internal server error: {type(exc).__name__}: {exc}")

    app.add_exception_handler(HerderError, herder_error)
    app.add_exception_handler(ConfigError, config_error)
    app.add_exception_handler(ValidationError, model_error)
    app.add_exception_handler(RequestValidationError, request_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)


def _install_openapi(app: FastAPI) -> None:
    """Document 400 in Kafka Connect's error shape where FastAPI would say 422."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        error_ref = {"$ref": "#/components/schemas/ErrorMessage"}
        bad_request = {
            "description": "Invalid request",
            "content": {"application/json": {"schema": error_ref}},
        }
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                responses = operation.get("responses", {})
                if responses.pop("422", None) is not None:
                    responses.setdefault("400", bad_request)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        components.setdefault("ErrorMessage", ErrorMessage.model_json_schema())
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(
    herder: Herder,
    *,
    auth: AuthConfig | None = None,
    plugins_registry: PluginRegistry | None = None,
    kafka_cluster_id: str | None = None,
    ui_read_only: bool | None = None,
    metrics_auth: bool = True,
) -> FastAPI:
    """The REST API over ``herder``.

    Args:
        herder: the control surface every route delegates to.
        auth: basic/bearer credentials; ``None`` or empty leaves the API open.
        plugins_registry: plugins to list and describe (default: the process registry,
            or ``herder.registry`` when the herder has one).
        kafka_cluster_id: shown by ``GET /`` (default: ``herder.kafka_cluster_id``).
        ui_read_only: the console refuses changes (default: the herder's ``ui.read.only``).
        metrics_auth: whether ``/metrics`` needs the same credentials as the API
            (``metrics.auth.enabled``); ``/health`` never does.
    """
    app = FastAPI(
        title="smart-connect REST API",
        version=_version(),
        description="Kafka Connect-compatible REST API of a smart-connect worker.",
    )
    found = (
        plugins_registry or getattr(herder, "registry", None) or getattr(herder, "plugins", None)
    )
    app.state.rest = RestContext(
        herder=herder,
        plugins=found if isinstance(found, PluginRegistry) else registry(),
        kafka_cluster_id=kafka_cluster_id,
    )
    _install_error_handlers(app)
    _install_openapi(app)

    @app.middleware("http")
    async def json_bodies_only(request: Request, call_next: Any) -> Response:
        """A Kafka Connect API body must be JSON: 415 names what was sent instead."""
        has_body = int(request.headers.get("content-length") or 0) > 0 or (
            "transfer-encoding" in request.headers
        )
        kind = request.headers.get("content-type", "")
        if (
            request.method in ("POST", "PUT", "PATCH")
            and request.url.path.startswith(_JSON_APIS)
            and has_body
            and kind.split(";")[0].strip().lower() != "application/json"
        ):
            sent = f"{kind!r}" if kind else "none"
            return error(
                415,
                f"Unsupported media type: send the body as application/json (Content-Type: {sent})",
            )
        response: Response = await call_next(request)
        return response

    @app.get("/", summary="Worker version", tags=["root"], response_model=ServerInfo)
    async def root(ctx: Ctx) -> dict[str, Any]:
        cluster = ctx.kafka_cluster_id or getattr(ctx.herder, "kafka_cluster_id", None)
        return {
            "version": _version(),
            "commit": os.environ.get("SMART_CONNECT_COMMIT", "unknown"),
            "kafka_cluster_id": cluster if isinstance(cluster, str) else None,
        }

    app.include_router(connectors.router)
    app.include_router(plugins.router)
    app.include_router(admin.router)
    if ui_read_only is None:
        config = getattr(herder, "config", None)
        extra = getattr(config, "model_extra", None) or {}
        ui_read_only = ui.read_only_setting(
            getattr(config, "ui_read_only", extra.get(ui.READ_ONLY, False))
        )
    ui.install(app, read_only=ui_read_only)
    app.state.metrics_registry = metrics.metrics_registry(herder)
    if metrics.enabled(herder):
        app.include_router(metrics.router)
    app.include_router(health.router)
    if auth is not None and auth.enabled:
        public = {health.HEALTH_PATH} | (set() if metrics_auth else {metrics.METRICS_PATH})
        app.add_middleware(AuthMiddleware, auth=auth, public_paths=frozenset(public))
    return app
