"""``/connector-plugins``: what the worker can run, what each plugin accepts, validation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response
from fastapi.responses import JSONResponse

from connect.configinfo import config_key_infos
from connect.herder.base import BadRequest, NotFound
from connect.plugins import Kind, Plugin
from connect.rest.context import Ctx, RestContext
from connect.rest.models import ConfigInfos, ConfigKeyInfo, ErrorMessage, PluginInfo
from connect.secrets import MASK, is_secret_key

router = APIRouter(prefix="/connector-plugins", tags=["connector-plugins"])

_TYPES: dict[Kind, str] = {
    "source": "source",
    "sink": "sink",
    "converter": "converter",
    "transform": "transformation",
    "predicate": "predicate",
}
_ERR: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorMessage, "description": "Invalid request"},
    404: {"model": ErrorMessage, "description": "No such plugin"},
}


def plugin_json(plugin: Plugin) -> dict[str, str]:
    assert plugin.kind is not None
    # Kafka Connect's dotted class name (``connectors.file.source.FileStreamSourceConnector``)
    cls = plugin.cls
    name = f"{cls.__module__}.{cls.__qualname__}" if cls is not None else plugin.name
    return {"class": name, "type": _TYPES[plugin.kind], "version": plugin.version}


def _plugin(ctx: RestContext, name: str) -> Plugin:
    plugin = ctx.find_plugin(name)
    if plugin is None:
        raise NotFound(f"Unknown plugin {name}")
    return plugin


@router.get("", summary="List plugins", responses={200: {"model": list[PluginInfo]}, **_ERR})
async def list_plugins(
    ctx: Ctx,
    connectors_only: Annotated[
        bool, Query(alias="connectorsOnly", description="false: converters, transforms too")
    ] = True,
) -> Response:
    kinds: tuple[Kind, ...] = ("source", "sink") if connectors_only else tuple(_TYPES)
    plugins = [plugin_json(p) for p in ctx.plugins.of_kind(*kinds) if p.cls is not None]
    unique = {(p["class"], p["type"]): p for p in plugins}
    return JSONResponse(sorted(unique.values(), key=lambda p: (p["class"], p["type"])))


@router.get(
    "/{plugin}/config",
    summary="Config keys a plugin accepts",
    responses={200: {"model": list[ConfigKeyInfo]}, **_ERR},
)
async def plugin_config(ctx: Ctx, plugin: str) -> Response:
    found = _plugin(ctx, plugin)
    model = getattr(found.cls, "config_model", None)
    return JSONResponse(config_key_infos(model))


@router.put(
    "/{plugin}/config/validate",
    summary="Validate a connector config",
    responses={200: {"model": ConfigInfos}, **_ERR},
)
async def validate(
    ctx: Ctx,
    plugin: str,
    config: Annotated[dict[str, Any], Body(description="The connector config to check")],
) -> Response:
    found = _plugin(ctx, plugin)
    if found.kind not in ("source", "sink"):
        kind = _TYPES[found.kind] if found.kind else "broken"
        raise BadRequest(f"{plugin} is a {kind} plugin, not a connector")
    given = config.get("connector.class")
    if given is not None:
        if not isinstance(given, str) or ctx.find_plugin(given) is not found:
            raise BadRequest(
                f"Included connector type {given} does not match request type {plugin}"
            )
    else:
        config = {**config, "connector.class": found.name}
    # the registry's own name: herders resolve it without importing anything
    result = await ctx.herder.validate(found.name, config)
    return JSONResponse(_mask_infos(result, ctx.secret_keys_of(config)))


def _mask_infos(result: dict[str, Any], secret: set[str]) -> dict[str, Any]:
    """Mask values of secret keys in a ``ConfigInfos`` (defence in depth: herders mask too)."""
    configs = []
    for item in result.get("configs", []):
        definition = dict(item.get("definition", {}))
        value = dict(item.get("value", {}))
        key = str(value.get("name") or definition.get("name") or "")
        if definition.get("type") == "PASSWORD" or is_secret_key(key, secret):
            if value.get("value") is not None:
                value["value"] = MASK
            if definition.get("default_value") is not None:
                definition["default_value"] = MASK
        configs.append({**item, "definition": definition, "value": value})
    return {**result, "configs": configs}
