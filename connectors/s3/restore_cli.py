"""``smart-connect s3 restore TASK.json --dry-run``: what an ``s3-source`` task would restore.

Reads the archive exactly as the task would (same listing, same merge, same time range)
and prints, per archived topic-partition, the objects, the offset range, the gaps and
overlaps, and how many records fall in the time range. Nothing is written anywhere.
Exit code 0 when no partition has a gap, 1 when one has, 2 when the task is invalid or
the bucket cannot be read. Mounted on the ``s3`` command group of ``smart-connect``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer

from connect.api import ConnectError
from connectors.s3 import listing
from connectors.s3.restore import PartitionRestore
from connectors.s3.source_config import S3SourceConfig
from connectors.s3.storage import make_client, translate
from connectors.s3.verify import app

_OBS_NAMES = {
    "obs-source",
    "obssourceconnector",
    "obs_source",
    "connectors.s3.obs:obssourceconnector",
}


def source_config(raw: Mapping[str, Any]) -> S3SourceConfig:
    """The validated options of an ``s3-source`` / ``obs-source`` task config."""
    from connectors.s3.obs import ObsSourceConnector
    from connectors.s3.source_connector import S3SourceConnector

    name = str(raw.get("connector.class", "")).strip().lower()
    huawei = name in _OBS_NAMES or "obs_bucket_name" in raw
    normalized = (ObsSourceConnector if huawei else S3SourceConnector).normalize(raw)
    return S3SourceConfig.model_validate(normalized)


@dataclass
class PartitionPlan:
    """What restoring one archived partition would do."""

    topic: str
    partition: int
    target: str
    objects: int = 0
    first_offset: int | None = None
    end_offset: int | None = None  # offset after the last archived record
    records: int = 0  # in the time range: what would be produced
    out_of_range: int = 0
    overlap_records: int = 0
    gaps: list[tuple[int, int]] = field(default_factory=list)
    overlaps: list[tuple[str, int, int]] = field(default_factory=list)


def plan(client: Any, config: S3SourceConfig) -> list[PartitionPlan]:
    """Read the whole archive of ``config`` as the task would; blocking (boto3)."""
    topics = list(config.topics) or listing.find_topics(client, config)
    out: list[PartitionPlan] = []

    def fetch(obj: listing.ArchiveObject) -> Any:
        return client.get_object(Bucket=config.bucket, Key=obj.key)["Body"]

    for topic in topics:
        found = listing.all_objects(client, config, [topic])
        for (t, p), objects in sorted(found.items()):
            restore = PartitionRestore(t, p, config, fetch, iter(objects))
            while restore.take(100_000, 1 << 62):
                pass
            prog = restore.progress
            out.append(
                PartitionPlan(
                    t,
                    p,
                    config.target_topic(t),
                    objects=prog.objects,
                    first_offset=prog.first_offset,
                    end_offset=restore.next_offset,
                    records=prog.restored,
                    out_of_range=prog.out_of_range,
                    overlap_records=prog.overlap_records,
                    gaps=list(prog.gaps),
                    overlaps=list(prog.overlaps),
                )
            )
    return out


def _render(config: S3SourceConfig, plans: list[PartitionPlan]) -> str:
    prefix = config.prefix() or "(root)"
    lines = [f"dry run: bucket {config.bucket!r}, prefix {prefix}; nothing is written"]
    if config.start_time is not None or config.end_time is not None:
        lines.append(f"  time range: [{config.start_time}, {config.end_time}) ms")
    for p in plans:
        span = f"[{p.first_offset}, {p.end_offset})" if p.first_offset is not None else "(empty)"
        target = p.target if config.restore_partition == "hash" else f"{p.target}-{p.partition}"
        lines.append(
            f"  {p.topic}-{p.partition} -> {target}: {p.objects} objects, offsets {span}, "
            f"{p.records} records to restore"
            + (f", {p.out_of_range} outside the time range" if p.out_of_range else "")
        )
        lines.extend(f"    gap: offsets {a}..{b} missing" for a, b in p.gaps)
        lines.extend(
            f"    overlap: {key} holds offsets {a}..{b} again (restored once)"
            for key, a, b in p.overlaps
        )
    if not plans:
        lines.append("  no archived objects found")
    return "\n".join(lines)


def _one_line(exc: Exception) -> str:
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err.get("loc", ())) or "config"
        return f"{where}: {err.get('msg')}"
    return str(exc)


@app.command()
def restore(
    task_file: Annotated[Path, typer.Argument(help="The s3-source (or obs-source) task JSON")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only print what would be restored")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON")] = False,
) -> None:
    """Print, per topic-partition, what the restore task would produce (with --dry-run)."""
    from pydantic import ValidationError

    from connect.config import InvalidConfig, load_task_file, resolve_all

    if not dry_run:
        typer.echo(
            "error: only --dry-run is supported here; run the task with "
            f"`smart-connect standalone WORKER.properties {task_file}`",
            err=True,
        )
        raise typer.Exit(2)
    try:
        name, raw = load_task_file(task_file)
        config = source_config(resolve_all(raw))
    except (InvalidConfig, ConnectError, ValidationError) as exc:
        typer.echo(f"error: {task_file}: {_one_line(exc)}", err=True)
        raise typer.Exit(2) from exc
    try:
        client = make_client(config, 4)
        plans = plan(client, config)
    except Exception as exc:
        typer.echo(f"error: {translate(exc, f'cannot read bucket {config.bucket!r}')}", err=True)
        raise typer.Exit(2) from exc
    ok = not any(p.gaps for p in plans)
    if as_json:
        doc = {
            "task": name,
            "bucket": config.bucket,
            "ok": ok,
            "partitions": [asdict(p) for p in plans],
        }
        typer.echo(json.dumps(doc))
    else:
        typer.echo(_render(config, plans))
    raise typer.Exit(0 if ok else 1)
