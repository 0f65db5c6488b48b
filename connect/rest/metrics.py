"""``GET /metrics``: the worker's metrics in the Prometheus text format.

Protected like the rest of the API unless the worker config says
``metrics.auth.enabled=false`` (then a Prometheus server scrapes it without credentials).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry

from connect.metrics import exposition, registry_for
from connect.status import TaskId

METRICS_PATH = "/metrics"
AUTH_KEY = "metrics.auth.enabled"

router = APIRouter(tags=["metrics"])


def metrics_registry(herder: Any) -> CollectorRegistry:
    """The Prometheus registry of the worker behind ``herder`` (empty without one)."""
    worker = getattr(herder, "worker", None)
    if worker is None or not hasattr(worker, "metrics"):
        return CollectorRegistry(auto_describe=False)
    return registry_for(worker)


def enabled(herder: Any) -> bool:
    """Whether the worker behind ``herder`` keeps metrics (``metrics.enabled``)."""
    worker = getattr(herder, "worker", None)
    hub = getattr(worker, "metrics", None)
    return bool(getattr(hub, "enabled", True))


def task_metrics(herder: Any, tid: TaskId) -> dict[str, Any] | None:
    """Throughput and lag of ``tid`` when it runs on this worker (REST status, ``top``)."""
    worker = getattr(herder, "worker", None)
    if worker is None or tid not in getattr(worker, "tasks", {}):
        return None
    found = worker.metrics.tasks.get(tid)
    return dict(found.summary()) if found is not None else None


def auth_required(settings: dict[str, Any]) -> bool:
    """``metrics.auth.enabled`` (default true)."""
    value = settings.get(AUTH_KEY, True)
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "0", "no", "off")
    return bool(value)


@router.get(
    METRICS_PATH,
    summary="Prometheus metrics of this worker",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}},
)
async def get_metrics(request: Request) -> Response:
    registry: CollectorRegistry = request.app.state.metrics_registry
    return Response(exposition(registry), media_type=CONTENT_TYPE_LATEST)
