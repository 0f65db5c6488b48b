"""The ``smart-connect`` command."""

from __future__ import annotations

import asyncio
import importlib
import json
import signal
import sys
from pathlib import Path
from typing import Annotated, Any

import structlog
import typer
import typer.core
from rich.console import Console
from rich.table import Table

from connect import __version__
from connect.config import (
    InvalidConfig,
    WorkerConfig,
    is_json_schema,
    load_worker_config,
    parse_task,
    read_json,
)
from connect.plugins import registry as plugin_registry
from connect.validation import check_config

# typer prints a Python type after every argument (``FILE <list[Path]>``); the metavar
# and the help say what to give
typer.core.TyperArgument.display_type_rich = lambda self, ctx: None  # type: ignore[method-assign]

app = typer.Typer(
    name="smart-connect",
    help="Run Kafka data-sync connectors: standalone or as a distributed cluster.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
log = structlog.get_logger("connect.cli")
err = Console(stderr=True)
LogFormat = Annotated[
    str,
    typer.Option(
        "--log-format",
        help="console, json, or auto (json when stderr is not a terminal)",
        metavar="FORMAT",
    ),
]
LogLevel = Annotated[
    str,
    typer.Option(
        "--log-level",
        help="Least severe level logged: DEBUG, INFO, WARN or ERROR",
        metavar="LEVEL",
    ),
]


def _setup_logs(fmt: str, level: str = "INFO") -> None:
    """Configure logging; a wrong format or level is a usage error (one line, exit 2)."""
    from connect import logs

    try:
        logs.setup(fmt, level)
    except logs.BadLogSetting as exc:
        err.print(f"[red]error[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"smart-connect {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit", callback=_show_version, is_eager=True
        ),
    ] = False,
) -> None:
    """Run Kafka data-sync connectors: standalone or as a distributed cluster."""


def check_tasks(
    files: list[Path],
    plugin_path: list[str] | None = None,
    *,
    strict: bool = False,
    quiet: bool = False,
) -> list[tuple[str, dict[str, Any]]]:
    """Load and validate every task file; print every problem and exit 2 if any.

    Keys that nothing reads are printed as warnings (problems when ``strict``). A JSON
    Schema among the files (``tasks/task.schema.json`` in ``tasks/*.json``) is skipped.
    """
    reg = plugin_registry(plugin_path)
    tasks: list[tuple[str, dict[str, Any]]] = []
    problems: list[str] = []
    warnings: list[str] = []
    names: dict[str, Path] = {}
    for path in files:
        try:
            data = read_json(path)
            if is_json_schema(data):
                if not quiet:
                    err.print(f"[dim]skipped {path}: a JSON Schema, not a task[/dim]")
                continue
            name, config = parse_task(data, str(path))
        except InvalidConfig as exc:
            problems.extend(f"{exc.source}: {p}" for p in exc.problems)
            continue
        if name in names:
            problems.append(f"{path}: name: {name!r} is already used by {names[name]}")
        names[name] = path
        checked = check_config(config, reg, strict=strict)
        problems.extend(f"{path}: {p}" for p in checked.problems)
        if not strict:
            warnings.extend(f"{path}: {w}" for w in checked.warnings)
        tasks.append((name, config))
    for line in warnings:
        err.print(f"[yellow]warning[/yellow] {line}", highlight=False, soft_wrap=True)
    if problems:
        for line in problems:
            err.print(f"[red]invalid[/red] {line}", highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    return tasks


PluginPath = Annotated[
    list[str] | None,
    typer.Option(
        "--plugin-path",
        help="A folder with plugins (modules, packages or pip --target trees); repeatable",
        metavar="DIR",
    ),
]


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Task JSON files", metavar="FILE...")],
    plugin_path: PluginPath = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Treat keys that nothing reads as errors")
    ] = False,
) -> None:
    """Check task files; print every problem with its key, exit 2 if any."""
    _setup_logs("console", "ERROR")
    tasks = check_tasks(files, plugin_path, strict=strict)
    for name, _ in tasks:
        err.print(f"[green]ok[/green] {name}")


plugins_app = typer.Typer(
    help="List plugins (no sub-command), or ask a running worker about them.",
    invoke_without_command=True,
    rich_markup_mode=None,
)
app.add_typer(plugins_app, name="plugins")


@plugins_app.callback()
def plugins(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="JSON for scripts")] = False,
    plugin_path: PluginPath = None,
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
    out_console().print(table)


def out_console() -> Console:
    """stdout; not cut at 80 columns when it is not a terminal (a pipe, a file)."""
    return Console() if sys.stdout.isatty() else Console(width=10_000, soft_wrap=True)


def _worker_config(path: Path, *required: str) -> WorkerConfig:
    """Load a worker config; print every problem and exit 2 if it is invalid.

    Keys that nothing reads are logged as warnings, or are problems with
    ``config.unknown.keys=error``.
    """
    try:
        config = load_worker_config(path)
    except InvalidConfig as exc:
        problems = [f"{exc.source}: {line}" for line in exc.problems]
    else:
        settings = config.model_dump(by_alias=True)
        problems = [
            f"{path}: {k}: required key is missing" for k in required if not settings.get(k)
        ]
        for unknown in config.unknown_keys():
            if config.config_unknown_keys == "error":
                problems.append(f"{path}: {unknown.key}: {unknown.message()}")
            else:
                log.warning(
                    "unknown worker config key",
                    file=str(path),
                    key=unknown.key,
                    did_you_mean=unknown.suggestion,
                )
    if problems:
        for line in problems:
            err.print(f"[red]invalid[/red] {line}", highlight=False)
        raise typer.Exit(2)
    return config


@app.command()
def standalone(
    worker_config: Annotated[
        Path, typer.Argument(help="Worker config (.properties or JSON)", metavar="WORKER_CONFIG")
    ],
    tasks: Annotated[list[Path], typer.Argument(help="Task JSON files", metavar="TASK...")],
    log_format: LogFormat = "auto",
    log_level: LogLevel = "INFO",
) -> None:
    """Run tasks in this one process; offsets go to Kafka (or a file)."""
    _setup_logs(log_format, log_level)
    config = _worker_config(worker_config, "bootstrap.servers")
    strict = config.config_unknown_keys == "error"
    specs = check_tasks(tasks, config.plugin_path or None, strict=strict, quiet=True)
    sys.exit(asyncio.run(_run_standalone(config, specs)))


async def _run_standalone(config: Any, specs: list[tuple[str, dict[str, Any]]]) -> int:
    from connect.herder.standalone import StandaloneHerder

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    from connect.kafka import KafkaClients
    from connect.probe import reach_kafka

    problem = await reach_kafka(KafkaClients.from_worker(config))
    if problem is not None:
        log.error("cannot reach Kafka", bootstrap_servers=config.bootstrap_servers, error=problem)
        return 1
    herder = StandaloneHerder(config, plugin_registry(config.plugin_path or None))
    rest = None
    try:
        await herder.start()
        for name, task_config in specs:
            await herder.put_connector_config(name, task_config, allow_replace=False)
        rest = await _start_rest(herder, config)
        log.info("worker started", worker_id=herder.worker_id, tasks=[n for n, _ in specs])
        from connect.metrics.progress import progress_log

        async with progress_log(herder.worker, config.log_progress_interval_ms):
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
    worker_config: Annotated[
        Path, typer.Argument(help="Worker config with group.id", metavar="WORKER_CONFIG")
    ],
    log_format: LogFormat = "auto",
    log_level: LogLevel = "INFO",
) -> None:
    """Join a cluster of workers that share connectors and tasks through Kafka."""
    _setup_logs(log_format, log_level)
    config = _worker_config(worker_config, "bootstrap.servers", "group.id")
    from connect.distributed import run_distributed

    sys.exit(asyncio.run(run_distributed(config)))


@app.command("mirror-maker")
def mirror_maker(
    properties: Annotated[
        Path,
        typer.Argument(help="MirrorMaker 2 dedicated-mode properties", metavar="MM2_PROPERTIES"),
    ],
    clusters: Annotated[
        list[str] | None,
        typer.Option(
            "--clusters", help="Run only the flows into these target clusters", metavar="ALIAS"
        ),
    ] = None,
    log_format: LogFormat = "auto",
    log_level: LogLevel = "INFO",
) -> None:
    """Run the replication flows of an MM2 mm2.properties file as it is."""
    from connect.mirrormaker import MirrorMakerError, run

    _setup_logs(log_format, log_level)
    targets = [c.strip() for arg in clusters or [] for c in arg.split(",") if c.strip()]
    try:
        sys.exit(asyncio.run(run(properties, targets)))
    except (MirrorMakerError, InvalidConfig) as exc:
        err.print(f"[red]invalid[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


@app.command()
def demo(
    records: Annotated[int, typer.Option(help="Records to generate", metavar="N")] = 20_000,
    output: Annotated[
        Path,
        typer.Option(help="Where files go (emptied of the demo's files first)", metavar="DIR"),
    ] = Path("demo-output"),
    bootstrap: Annotated[
        str | None,
        typer.Option(
            "--bootstrap-servers", help="Kafka to use (default: embedded)", metavar="HOST:PORT"
        ),
    ] = None,
    target_bootstrap: Annotated[
        str | None,
        typer.Option("--target-bootstrap-servers", help="Mirror target", metavar="HOST:PORT"),
    ] = None,
    s3_endpoint: Annotated[
        str | None, typer.Option(help="S3 endpoint (default: embedded)", metavar="URL")
    ] = None,
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
    cluster_id: Annotated[str, typer.Option(help="Cluster id (Tansu)")] = "smart-connect-dev",
    engine: Annotated[
        str, typer.Option(help="tansu (in memory, built in) or apache (Kafka's jars via Maven)")
    ] = "tansu",
    kafka_version: Annotated[
        str | None, typer.Option(help="Apache Kafka version (default: newest 4.x)")
    ] = None,
    sasl_ssl: Annotated[
        bool, typer.Option("--sasl-ssl", help="Apache: add a SASL_SSL listener with a test CA")
    ] = False,
    data_dir: Annotated[
        Path | None, typer.Option(help="Apache: keep the data here (default: a temp dir)")
    ] = None,
) -> None:
    """Run a local Kafka broker until Ctrl-C: Tansu in memory, or Apache Kafka (KRaft)."""
    from connect.broker import BrokerError
    from connect.broker.serve import serve

    try:
        serve(engine, port, cluster_id, kafka_version, sasl_ssl, data_dir, _say)
    except BrokerError as exc:
        err.print(f"[red]error[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


def _say(line: str) -> None:
    err.print(line, highlight=False, soft_wrap=True)


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def _mount_optional() -> None:
    """Sub-commands that live with their feature (S3 audit, REST client)."""
    try:
        import connectors.s3.restore_cli  # noqa: F401  (adds `s3 restore` to the s3 group)
        from connectors.s3.verify import app as s3_app

        app.add_typer(s3_app, name="s3", help="S3 tools: verify an archive, plan a restore")
    except ImportError:
        pass
    try:
        from connect.cli_client import app as connectors_app
        from connect.cli_client import plugins_app as remote_plugins

        app.add_typer(connectors_app, name="connectors", help="Manage connectors over REST")
        from connect.top import register as register_top

        register_top(app)  # status, top
        plugins_app.registered_commands.extend(remote_plugins.registered_commands)
    except ImportError:
        pass


#: Long-running commands that need none of the optional sub-commands: mounting those
#: imports httpx, boto3 and more, about 0.5-1 s of a mirror's time to its first record.
_RUNTIME_COMMANDS = {"standalone", "distributed", "mirror-maker", "broker"}


def main() -> None:
    command = next((a for a in sys.argv[1:] if not a.startswith("-")), None)
    if command not in _RUNTIME_COMMANDS:
        _mount_optional()
    app()


if __name__ == "__main__":
    main()
