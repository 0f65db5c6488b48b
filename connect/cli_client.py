"""``smart-connect connectors ...`` and ``smart-connect plugins validate``: a REST client.

Talks to any worker's REST API (``--url``, default ``$SMART_CONNECT_URL`` or
``http://127.0.0.1:8083``); prints tables for people and ``--json`` for scripts. A
non-2xx answer prints the worker's message and exits 1.

    app          connectors list | get | create | update | delete | status | pause |
                 resume | stop | restart | offsets
    plugins_app  plugins list | validate
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn
from urllib.parse import quote

import httpx
import typer
from rich.console import Console
from rich.table import Table

from connect.config import InvalidConfig, load_mapping

DEFAULT_URL = "http://127.0.0.1:8083"

app = typer.Typer(
    help="Manage connectors over a worker's REST API.", no_args_is_help=True, rich_markup_mode=None
)
plugins_app = typer.Typer(
    help="Plugins of a running worker.", no_args_is_help=True, rich_markup_mode=None
)

# not cut at 80 columns when stdout is a pipe or a file
out = Console(soft_wrap=True) if sys.stdout.isatty() else Console(width=10_000, soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

Url = Annotated[
    str,
    typer.Option("--url", envvar="SMART_CONNECT_URL", help="The worker's REST URL", metavar="URL"),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON for scripts")]
User = Annotated[
    str | None,
    typer.Option(
        "--user",
        envvar="SMART_CONNECT_USER",
        help="Basic auth as user:password",
        metavar="USER:PASSWORD",
    ),
]
Token = Annotated[
    str | None,
    typer.Option("--token", envvar="SMART_CONNECT_TOKEN", help="Bearer token", metavar="TOKEN"),
]
Name = Annotated[str, typer.Argument(help="Connector name", metavar="NAME")]


def _tasks(count: int) -> str:
    return f"{count} task" if count == 1 else f"{count} tasks"


class RestError(Exception):
    """The worker answered with an error (``status`` and its ``message``)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Client:
    """A thin synchronous client of the REST API."""

    def __init__(self, url: str, user: str | None = None, token: str | None = None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        auth = None
        if user:
            name, _, password = user.partition(":")
            auth = httpx.BasicAuth(name, password)
        self.http = httpx.Client(base_url=url.rstrip("/"), headers=headers, auth=auth, timeout=30)

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        """The decoded JSON answer (``None`` for an empty one); ``RestError`` for non-2xx."""
        query = {k: v for k, v in params.items() if v is not None}
        try:
            response = self.http.request(method, path, json=body, params=query)
        except httpx.HTTPError as exc:
            raise RestError(0, f"cannot reach {self.http.base_url}: {exc}") from exc
        data: Any = None
        if response.content:
            try:
                data = response.json()
            except ValueError:
                data = response.text
        if not response.is_success:
            message = data.get("message") if isinstance(data, dict) else None
            raise RestError(response.status_code, str(message or data or response.reason_phrase))
        return data


def _client(url: str, user: str | None, token: str | None) -> Client:
    return Client(url, user, token)


def _fail(message: str) -> NoReturn:
    err.print(f"[red]error[/red] {message}", highlight=False)
    raise typer.Exit(1)


def _call(client: Client, method: str, path: str, body: Any = None, **params: Any) -> Any:
    try:
        return client.call(method, path, body, **params)
    except RestError as exc:
        _fail(f"{exc.status} {exc.message}" if exc.status else exc.message)


def _path(name: str) -> str:
    return f"/connectors/{quote(name, safe='')}"


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, sort_keys=False))


def _load(path: Path) -> dict[str, Any]:
    try:
        return load_mapping(path)
    except InvalidConfig as exc:
        _fail("; ".join(f"{exc.source}: {p}" for p in exc.problems))


def _load_config(path: Path) -> dict[str, Any]:
    """A flat config, or the ``config`` of a ``{"name", "config"}`` task file."""
    data = _load(path)
    return data["config"] if isinstance(data.get("config"), dict) else data


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value)


# ---------------------------------------------------------------- connectors


@app.command("list")
def list_connectors(
    url: Url = DEFAULT_URL, as_json: AsJson = False, user: User = None, token: Token = None
) -> None:
    """List connectors with their type, state and tasks."""
    data = _call(_client(url, user, token), "GET", "/connectors", expand=["status", "info"])
    if as_json:
        _print_json(data)
        return
    table = Table("name", "type", "state", "tasks", "class")
    for name, details in sorted(data.items()):
        status = details.get("status", {})
        tasks = status.get("tasks", [])
        running = sum(1 for t in tasks if t.get("state") == "RUNNING")
        table.add_row(
            name,
            status.get("type", ""),
            _state(status.get("connector", {}).get("state", "")),
            f"{running}/{len(tasks)} running",
            str(details.get("info", {}).get("config", {}).get("connector.class", "")),
        )
    out.print(table)


def _state(state: str) -> str:
    color = {"RUNNING": "green", "FAILED": "red", "PAUSED": "yellow", "STOPPED": "yellow"}
    return f"[{color[state]}]{state}[/]" if state in color else state


@app.command("get")
def get_connector(
    name: Name,
    url: Url = DEFAULT_URL,
    as_json: AsJson = False,
    user: User = None,
    token: Token = None,
) -> None:
    """Show a connector's config and tasks."""
    info = _call(_client(url, user, token), "GET", _path(name))
    if as_json:
        _print_json(info)
        return
    out.print(f"[bold]{info['name']}[/bold] ({info['type']}, {_tasks(len(info['tasks']))})")
    table = Table("key", "value")
    for key, value in sorted(info["config"].items()):
        table.add_row(key, _text(value))
    out.print(table)


@app.command("create")
def create_connector(
    file: Annotated[
        Path, typer.Argument(help='{"name", "config"} JSON, or a flat config', metavar="FILE")
    ],
    url: Url = DEFAULT_URL,
    as_json: AsJson = False,
    user: User = None,
    token: Token = None,
) -> None:
    """Create a connector from a task file."""
    data = _load(file)
    if isinstance(data.get("config"), dict):
        body = {"name": data.get("name"), "config": data["config"]}
    else:
        body = {"name": data.get("name"), "config": data}
    if not body["name"]:
        _fail(f"{file}: name: required key is missing")
    info = _call(_client(url, user, token), "POST", "/connectors", body)
    if as_json:
        _print_json(info)
        return
    out.print(f"created [bold]{info['name']}[/bold] ({info['type']}, {_tasks(len(info['tasks']))})")


@app.command("update")
def update_connector(
    name: Name,
    file: Annotated[
        Path, typer.Argument(help='A flat config, or {"name", "config"} JSON', metavar="FILE")
    ],
    url: Url = DEFAULT_URL,
    as_json: AsJson = False,
    user: User = None,
    token: Token = None,
) -> None:
    """Replace a connector's config (created if absent); its tasks restart."""
    config = _load_config(file)
    client = _client(url, user, token)
    try:
        existed = client.call("GET", _path(name)) is not None
    except RestError:
        existed = False
    info = _call(client, "PUT", f"{_path(name)}/config", config)
    if as_json:
        _print_json(info)
        return
    verb = "updated" if existed else "created"
    out.print(f"{verb} [bold]{info['name']}[/bold] ({info['type']}, {_tasks(len(info['tasks']))})")


@app.command("delete")
def delete_connector(
    name: Name, url: Url = DEFAULT_URL, user: User = None, token: Token = None
) -> None:
    """Stop and remove a connector."""
    _call(_client(url, user, token), "DELETE", _path(name))
    out.print(f"deleted [bold]{name}[/bold]")


@app.command("status")
def connector_status(
    name: Name,
    url: Url = DEFAULT_URL,
    as_json: AsJson = False,
    user: User = None,
    token: Token = None,
) -> None:
    """Show the state of a connector and each of its tasks."""
    status = _call(_client(url, user, token), "GET", f"{_path(name)}/status")
    if as_json:
        _print_json(status)
        return
    _print_status(status)


def _print_status(status: dict[str, Any]) -> None:
    table = Table("", "state", "worker", "trace")
    connector = status["connector"]
    table.add_row(
        f"{status['name']} ({status.get('type', '')})",
        _state(connector["state"]),
        connector.get("worker_id", ""),
        _first_line(connector.get("trace")),
    )
    for task in status["tasks"]:
        table.add_row(
            f"  task {task['id']}",
            _state(task["state"]),
            task.get("worker_id", ""),
            _first_line(task.get("trace")),
        )
    out.print(table)


def _first_line(trace: str | None) -> str:
    if not trace:
        return ""
    lines = [line for line in trace.strip().splitlines() if line.strip()]
    return lines[-1][:160] if lines else ""


def _state_change(verb: str, method: str, suffix: str) -> Any:
    def command(name: Name, url: Url = DEFAULT_URL, user: User = None, token: Token = None) -> None:
        _call(_client(url, user, token), method, f"{_path(name)}/{suffix}")
        out.print(f"{verb} [bold]{name}[/bold]")

    return command


app.command("pause", help="Pause a connector and its tasks.")(
    _state_change("paused", "PUT", "pause")
)
app.command("resume", help="Resume a paused or stopped connector.")(
    _state_change("resumed", "PUT", "resume")
)
app.command("stop", help="Stop a connector: its tasks shut down (needed to change offsets).")(
    _state_change("stopped", "PUT", "stop")
)


@app.command("restart")
def restart_connector(
    name: Name,
    include_tasks: Annotated[
        bool, typer.Option("--include-tasks", help="Restart the tasks too")
    ] = False,
    only_failed: Annotated[
        bool, typer.Option("--only-failed", help="Restart only what has FAILED")
    ] = False,
    task: Annotated[
        int | None, typer.Option("--task", help="Restart only this task", metavar="ID")
    ] = None,
    url: Url = DEFAULT_URL,
    as_json: AsJson = False,
    user: User = None,
    token: Token = None,
) -> None:
    """Restart a connector (optionally its tasks, or only failed ones), or one task."""
    client = _client(url, user, token)
    if task is not None:
        _call(client, "POST", f"{_path(name)}/tasks/{task}/restart")
        out.print(f"restarted [bold]{name}[/bold] task {task}")
        return
    params: dict[str, Any] = {}
    if include_tasks:
        params["includeTasks"] = "true"
    if only_failed:
        params["onlyFailed"] = "true"
    plan = _call(client, "POST", f"{_path(name)}/restart", **params)
    if as_json:
        _print_json(plan)
    elif plan:
        _print_status(plan)
    else:
        out.print(f"restarted [bold]{name}[/bold]")


class OffsetsAction(StrEnum):
    """What ``offsets`` does."""

    get = "get"
    reset = "reset"
    set = "set"


@app.command("offsets")
def offsets(
    name: Name,
    action: Annotated[
        OffsetsAction, typer.Argument(help="get, reset, or set FILE", metavar="ACTION")
    ] = (OffsetsAction.get),
    file: Annotated[
        Path | None,
        typer.Argument(help='For set: {"offsets": [{"partition", "offset"}]}', metavar="FILE"),
    ] = None,
    url: Url = DEFAULT_URL,
    as_json: AsJson = False,
    user: User = None,
    token: Token = None,
) -> None:
    """Show, reset or set a connector's offsets (reset/set need it STOPPED)."""
    client = _client(url, user, token)
    path = f"{_path(name)}/offsets"
    if action is OffsetsAction.get:
        data = _call(client, "GET", path)
        if as_json:
            _print_json(data)
            return
        table = Table("partition", "offset")
        for item in data.get("offsets", []):
            table.add_row(_text(item.get("partition")), _text(item.get("offset")))
        out.print(table)
        return
    if action is OffsetsAction.reset:
        result = _call(client, "DELETE", path)
    else:
        if file is None:
            _fail("offsets set needs a FILE")
        try:
            body = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            _fail(f"{file}: {exc}")
        if isinstance(body, list):
            body = {"offsets": body}
        result = _call(client, "PATCH", path, body)
    if as_json:
        _print_json(result)
    else:
        out.print(result.get("message", "done") if isinstance(result, dict) else "done")


# ---------------------------------------------------------------- plugins


@plugins_app.command("list")
def list_plugins(
    all_kinds: Annotated[
        bool, typer.Option("--all", help="Converters, transforms and predicates too")
    ] = False,
    url: Url = DEFAULT_URL,
    as_json: AsJson = False,
    user: User = None,
    token: Token = None,
) -> None:
    """List the plugins a running worker has."""
    params = {"connectorsOnly": "false"} if all_kinds else {}
    data = _call(_client(url, user, token), "GET", "/connector-plugins", **params)
    if as_json:
        _print_json(data)
        return
    table = Table("class", "type", "version")
    for plugin in data:
        table.add_row(plugin["class"], plugin["type"], plugin["version"])
    out.print(table)


@plugins_app.command("validate")
def validate(
    plugin: Annotated[
        str, typer.Argument(help="Connector plugin (alias or class)", metavar="PLUGIN")
    ],
    file: Annotated[
        Path, typer.Argument(help='A flat config, or {"name", "config"} JSON', metavar="FILE")
    ],
    url: Url = DEFAULT_URL,
    as_json: AsJson = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Treat keys that nothing reads as errors")
    ] = False,
    user: User = None,
    token: Token = None,
) -> None:
    """Validate a config against a plugin on the worker; exit 2 if it has errors.

    Keys that nothing reads are warnings (errors with ``--strict``), as in ``validate``.
    """
    config = _load_config(file)
    result = _call(
        _client(url, user, token),
        "PUT",
        f"/connector-plugins/{quote(plugin, safe='')}/config/validate",
        config,
    )
    if as_json:
        _print_json(result)
    else:
        table = Table("key", "value", "errors")
        for item in result.get("configs", []):
            value = item.get("value", {})
            errors = value.get("errors") or []
            if errors or value.get("value") is not None:
                table.add_row(
                    value.get("name", ""),
                    "" if value.get("value") is None else str(value["value"]),
                    "[red]" + "; ".join(errors) + "[/red]" if errors else "[green]ok[/green]",
                )
        out.print(table)
        count = result.get("error_count", 0)
        out.print(f"{count} error(s)" if count else "[green]valid[/green]")
    warnings = result.get("warnings") or []
    errors = result.get("error_count", 0) - (0 if strict else len(warnings))
    if errors > 0:
        raise typer.Exit(2)
