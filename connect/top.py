"""``smart-connect status`` and ``smart-connect top``: throughput and lag for people.

Both read ``GET /connectors?expand=status`` from the worker at ``--url``. Each worker
reports the ``metrics`` of the tasks it runs, so for a task that runs on another worker
of a cluster (its ``worker_id`` is that worker's ``host:port``) they ask that worker.

    status [NAME]   one table (or ``--json``) of every connector, or of NAME
    top             the same table refreshed every ``--interval`` s until Ctrl-C;
                    ``--json`` prints one snapshot and exits
"""

from __future__ import annotations

import json
import sys
import time
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table

from connect.cli_client import DEFAULT_URL, AsJson, Client, RestError, Token, Url, User

# piped output (scripts, logs) gets whole lines rather than a table folded at 80 columns
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, soft_wrap=True)

Interval = Annotated[float, typer.Option("--interval", "-n", help="Seconds between refreshes")]
_STATE_STYLE = {"RUNNING": "green", "FAILED": "red", "PAUSED": "yellow", "UNASSIGNED": "yellow"}


def snapshot(client: Client, name: str | None = None) -> list[dict[str, Any]]:
    """The status of every connector (or of ``name``), with task ``metrics`` filled in
    from the worker running each task where it can be reached."""
    if name is not None:
        statuses = [client.call("GET", f"/connectors/{quote(name, safe='')}/status")]
    else:
        expanded = client.call("GET", "/connectors", expand="status") or {}
        statuses = [expanded[n]["status"] for n in sorted(expanded)]
    _fill_remote_metrics(client, statuses)
    return statuses


def _fill_remote_metrics(client: Client, statuses: list[dict[str, Any]]) -> None:
    here = urlsplit(str(client.http.base_url)).netloc
    missing = {
        t.get("worker_id", "")
        for st in statuses
        for t in st.get("tasks", [])
        if "metrics" not in t and t.get("state") in ("RUNNING", "PAUSED", "FAILED")
    }
    for worker in sorted(w for w in missing if ":" in w and w != here):
        other = Client(f"http://{worker}")
        other.http.headers.update(client.http.headers)
        if client.http.auth is not None:
            other.http.auth = client.http.auth
        try:
            remote = other.call("GET", "/connectors", expand="status") or {}
        except RestError:
            continue  # that worker is unreachable from here: its rows stay without figures
        finally:
            other.http.close()
        for st in statuses:
            theirs = {
                t["id"]: t
                for t in (remote.get(st["name"], {}).get("status", {}).get("tasks", []))
                if "metrics" in t
            }
            for task in st.get("tasks", []):
                if "metrics" not in task and task["id"] in theirs:
                    task["metrics"] = theirs[task["id"]]["metrics"]


def _number(value: Any, digits: int = 0) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and digits:
        return f"{value:,.{digits}f}"
    return f"{int(value):,}"


def table(statuses: list[dict[str, Any]]) -> Table:
    """One row per task: state, worker, records/s, records, lag, last commit age."""
    grid = Table(
        "connector",
        "task",
        "state",
        "worker",
        "records/s",
        "records",
        "lag",
        "last commit",
        title=time.strftime("smart-connect  %H:%M:%S"),
    )
    for st in statuses:
        conn = st["connector"]
        state = conn["state"]
        grid.add_row(
            f"[bold]{st['name']}[/bold] ({st.get('type', '')})",
            "",
            f"[{_STATE_STYLE.get(state, 'white')}]{state}[/]",
            conn.get("worker_id", ""),
            "",
            "",
            "",
            "",
        )
        for task in st.get("tasks", []):
            m = task.get("metrics") or {}
            age = m.get("last_commit_age_s")
            tstate = task["state"]
            grid.add_row(
                "",
                str(task["id"]),
                f"[{_STATE_STYLE.get(tstate, 'white')}]{tstate}[/]",
                task.get("worker_id", ""),
                _number(m.get("records_per_second"), 1) if m else "-",
                _number(m.get("records_total")) if m else "-",
                _number(m.get("lag")) if m else "-",
                f"{age:.1f} s ago" if isinstance(age, int | float) else "-",
            )
    return grid


def _client(url: str, user: str | None, token: str | None) -> Client:
    return Client(url, user, token)


def _read(client: Client, name: str | None) -> list[dict[str, Any]]:
    try:
        return snapshot(client, name)
    except RestError as exc:
        err.print(f"[red]error[/red] {exc.status or ''} {exc.message}".strip(), highlight=False)
        raise typer.Exit(1) from exc


def status(
    name: Annotated[str | None, typer.Argument(help="Connector (default: all)")] = None,
    url: Url = DEFAULT_URL,
    as_json: AsJson = False,
    user: User = None,
    token: Token = None,
) -> None:
    """States, records/s, records, lag and last commit of each connector and task."""
    statuses = _read(_client(url, user, token), name)
    if as_json:
        typer.echo(json.dumps(statuses if name is None else statuses[0], indent=2))
        return
    out.print(table(statuses))


def top(
    url: Url = DEFAULT_URL,
    interval: Interval = 2.0,
    as_json: AsJson = False,
    user: User = None,
    token: Token = None,
) -> None:
    """A live view of every connector and task on the cluster (Ctrl-C quits)."""
    client = _client(url, user, token)
    if as_json:
        typer.echo(json.dumps(_read(client, None), indent=2))
        return
    try:
        with Live(table(_read(client, None)), console=out, auto_refresh=False) as live:
            while True:
                time.sleep(max(interval, 0.2))
                live.update(table(_read(client, None)), refresh=True)
    except KeyboardInterrupt:
        pass


def register(app: typer.Typer) -> None:
    """Add ``status`` and ``top`` to the ``smart-connect`` command."""
    app.command("status")(status)
    app.command("top")(top)
