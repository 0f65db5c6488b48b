"""The ``smart-connect`` command."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import signal
import sys
from pathlib import Path
from typing import Annotated, Any

import structlog
import typer
from rich.console import Console
from rich.table import Table

from connect import __version__
from connect.config import InvalidConfig, WorkerConfig, load_task_file, load_worker_config
from connect.plugins import registry as plugin_registry
from connect.validation import check_config

app = typer.Typer(
    name="smart-connect",
    help="Run Kafka data-sync connectors: standalone or as a distributed cluster.",
    no_args_is_help=True,
    add_completion=False,
)
log = structlog.get_logger("connect.cli")
err = Console(stderr=True)
LogFormat = Annotated[
    str, typer.Option("--log-format", help="console, json, or auto (json when not a TTY)")
]


def _setup_logs(fmt: str, level: str = "INFO") -> None:
    from connect import logs

    logs.setup(fmt, level)


def check_tasks(
    files: list[Path], plugin_path: list[str] | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """Load and validate every task file; print every problem and exit 2 if any."""
    reg = plugin_registry(plugin_path)
    tasks: list[tuple[str, dict[str, Any]]] = []
    problems: list[str] = []
    names: dict[str, Path] = {}
    for path in files:
        try:
            name, config = load_task_file(path)
        except InvalidConfig as exc:
            problems.extend(f"{exc.source}: {p}" for p in exc.problems)
            continue
        if name in names:
            problems.append(f"{path}: name: {name!r} is already used by {names[name]}")
        names[name] = path
        checked = check_config(config, reg)
        problems.extend(f"{path}: {p}" for p in checked.problems)
        tasks.append((name, config))
    if problems:
        for line in problems:
            err.print(f"[red]invalid[/red] {line}", highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    return tasks


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Task JSON files")],
    plugin_path: Annotated[list[str] | None, typer.Option("--plugin-path")] = None,
) -> None:
    """Check task files; print every problem with its key, exit 2 if any."""
    _setup_logs("console", "ERROR")
    tasks = check_tasks(files, plugin_path)
    for name, _ in tasks:
        err.print(f"[green]ok[/green] {name}")


plugins_app = typer.Typer(
    help="List plugins (no sub-command), or ask a running worker about them.",
    invoke_without_command=True,
)
app.add_typer(plugins_app, name="plugins")


@plugins_app.callback()
def plugins(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="JSON for scripts")] = False,
    plugin_path: Annotated[list[str] | None, typer.Option("--plugin-path")] = None,
) -> None:
    """List every plugin: type, version, and where it came from."""
    if ctx.invoked_subcommand:
        return
    _setup_logs("console", "ERROR")
    reg = plugin_registry(plugin_path)
    rows = [
        {
            "name": p.name,
            "type": p.kind or "broken",
            "version": p.version,
            "class": p.class_path,
            "origin": p.origin,
            **({"error": p.error} if p.error else {}),
        }
        for p in sorted(reg.plugins, key=lambda p: (p.kind or "~", p.name))
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("name", "type", "version", "class", "origin")
    for row in rows:
        kind = row["type"] if "error" not in row else f"[red]broken: {row['error']}[/red]"
        table.add_row(row["name"], kind, row["version"], row["class"], row["origin"])
    Console().print(table)


def _worker_config(path: Path, *required: str) -> WorkerConfig:
    """Load a worker config; print every problem and exit 2 if it is invalid."""
    try:
        config = load_worker_config(path)
    except InvalidConfig as exc:
        problems = [f"{exc.source}: {line}" for line in exc.problems]
    else:
        settings = config.model_dump(by_alias=True)
        problems = [
            f"{path}: {k}: required key is missing" for k in required if not settings.get(k)
        ]
    if problems:
        for line in problems:
            err.print(f"[red]invalid[/red] {line}", highlight=False)
        raise typer.Exit(2)
    return config


@app.command()
def standalone(
    worker_config: Annotated[Path, typer.Argument(help="Worker config (.properties or JSON)")],
    tasks: Annotated[list[Path], typer.Argument(help="Task JSON files")],
    log_format: LogFormat = "auto",
    log_level: Annotated[str, typer.Option("--log-level")] = "INFO",
) -> None:
    """Run tasks in this one process; offsets go to Kafka (or a file)."""
    _setup_logs(log_format, log_level)
    config = _worker_config(worker_config, "bootstrap.servers")
    specs = check_tasks(tasks, config.plugin_path or None)
    sys.exit(asyncio.run(_run_standalone(config, specs)))


async def _run_standalone(config: Any, specs: list[tuple[str, dict[str, Any]]]) -> int:
    from connect.herder.standalone import StandaloneHerder

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    herder = StandaloneHerder(config, plugin_registry(config.plugin_path or None))
    rest = None
    try:
        await herder.start()
        for name, task_config in specs:
            await herder.put_connector_config(name, task_config, allow_replace=False)
        rest = await _start_rest(herder, config)
        log.info("worker started", worker_id=herder.worker_id, tasks=[n for n, _ in specs])
        await stop.wait()
        log.info("worker stopping")
    finally:
        if rest is not None:
            await rest.stop()
        await herder.stop()
    log.info("worker stopped")
    return 0


DEFAULT_LISTENERS = "http://127.0.0.1:8083"


async def _start_rest(herder: Any, config: Any) -> Any:
    """The REST API on ``listeners`` (default loopback:8083; ``listeners=none`` turns it off).

    A standalone worker keeps running when the port is taken: its tasks matter more.
    """
    listeners = config.listeners if config.listeners is not None else DEFAULT_LISTENERS
    if listeners.strip().lower() in ("", "none"):
        return None
    # importing the web stack takes ~0.3 s: do it off the loop the tasks already run on
    rest = await asyncio.to_thread(importlib.import_module, "connect.rest.server")
    server = rest.RestServer(herder, config, listeners=listeners)
    try:
        await server.start()
    except OSError as exc:
        log.warning("REST API not started: address in use", listeners=listeners, error=str(exc))
        return None
    log.info("REST API listening", urls=server.urls)
    return server


@app.command()
def distributed(
    worker_config: Annotated[Path, typer.Argument(help="Worker config with group.id")],
    log_format: LogFormat = "auto",
    log_level: Annotated[str, typer.Option("--log-level")] = "INFO",
) -> None:
    """Join a cluster of workers that share connectors and tasks through Kafka."""
    _setup_logs(log_format, log_level)
    config = _worker_config(worker_config, "bootstrap.servers", "group.id")
    from connect.distributed import run_distributed

    sys.exit(asyncio.run(run_distributed(config)))


@app.command()
def demo(
    records: Annotated[int, typer.Option(help="Records to generate")] = 20_000,
    output: Annotated[Path, typer.Option(help="Where files go")] = Path("demo-output"),
    bootstrap: Annotated[
        str | None, typer.Option("--bootstrap-servers", help="Kafka to use (default: embedded)")
    ] = None,
    target_bootstrap: Annotated[
        str | None, typer.Option("--target-bootstrap-servers", help="Mirror target")
    ] = None,
    s3_endpoint: Annotated[str | None, typer.Option(help="S3 endpoint (default: embedded)")] = None,
    mirror: Annotated[bool, typer.Option(help="Also mirror to a second cluster")] = True,
    s3: Annotated[bool, typer.Option(help="Also archive to S3")] = True,
) -> None:
    """Run the main jobs on an embedded broker and S3 endpoint, with live progress."""
    _setup_logs("console", "WARNING")
    from connect.demo import demo as run

    sys.exit(run(records, output, bootstrap, target_bootstrap, s3_endpoint, mirror, s3))


@app.command()
def broker(
    port: Annotated[int, typer.Option(help="Loopback port to listen on")] = 9092,
    cluster_id: Annotated[str, typer.Option(help="Cluster id")] = "smart-connect-dev",
) -> None:
    """Run a local development Kafka broker (Tansu, in memory) until Ctrl-C."""
    import signal as signals

    from connect.demo import embedded_broker

    with embedded_broker(cluster_id, port) as bootstrap:
        err.print(f"Kafka-compatible broker (Tansu, in memory) at {bootstrap}; Ctrl-C stops it")
        signals.signal(signals.SIGTERM, lambda *_: sys.exit(0))
        with contextlib.suppress(KeyboardInterrupt):
            signals.pause()


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def _mount_optional() -> None:
    """Sub-commands that live with their feature (S3 audit, REST client)."""
    try:
        from connectors.s3.verify import app as s3_app

        app.add_typer(s3_app, name="s3", help="S3 sink tools: verify an archive")
    except ImportError:
        pass
    try:
        from connect.cli_client import app as connectors_app
        from connect.cli_client import plugins_app as remote_plugins

        app.add_typer(connectors_app, name="connectors", help="Manage connectors over REST")
        plugins_app.registered_commands.extend(remote_plugins.registered_commands)
    except ImportError:
        pass


def main() -> None:
    _mount_optional()
    app()


if __name__ == "__main__":
    main()
