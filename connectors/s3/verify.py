"""``smart-connect s3 verify TASK.json``: audit what an S3 sink task archived.

Lists the task's objects, reads each one's offsets (object metadata; the content for
multipart objects), and compares them per topic-partition with the committed offsets
of the consumer group ``connect-<task name>``. It also says, per partition, how many
records are still only in Kafka (log end offset minus the end of the archive): a sink
waiting for ``flush.size`` holds them. Exit code 0 only when no partition has a gap or
an overlap; 1 when one has; 2 when the task file is invalid.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from connect.api import ConnectError
from connectors.s3 import layout
from connectors.s3.audit import ObjectInfo, PartitionReport, audit
from connectors.s3.config import S3SinkConfig
from connectors.s3.connector import S3SinkConnector
from connectors.s3.obs import ObsSinkConnector
from connectors.s3.reader import count_records
from connectors.s3.storage import make_client, translate

app = typer.Typer(help="S3 sink tools.", no_args_is_help=True, add_completion=False)

_OBS_NAMES = {"obs-sink", "obssinkconnector", "obs_sink", "connectors.s3.obs:obssinkconnector"}


@app.callback()
def _group() -> None:
    """S3 sink tools."""


def sink_config(raw: Mapping[str, Any]) -> S3SinkConfig:
    """The validated S3 options of a task config (Huawei keys mapped when present)."""
    name = str(raw.get("connector.class", "")).strip().lower()
    huawei = name in _OBS_NAMES or "obs_bucket_name" in raw
    normalized = (ObsSinkConnector if huawei else S3SinkConnector).normalize(raw)
    return S3SinkConfig.model_validate(normalized)


def task_topics(raw: Mapping[str, Any]) -> tuple[set[str], re.Pattern[str] | None]:
    topics = raw.get("topics") or ""
    names = {t.strip() for t in (topics.split(",") if isinstance(topics, str) else topics) if t}
    regex = raw.get("topics.regex") or raw.get("topics_regex")
    return {str(n) for n in names}, re.compile(str(regex)) if regex else None


def list_objects(
    client: Any, config: S3SinkConfig, wanted: set[str], regex: re.Pattern[str] | None
) -> list[ObjectInfo]:
    """Every object of the task under ``topics.dir`` (blocking: boto3)."""
    out: list[ObjectInfo] = []
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=config.bucket, Prefix=config.prefix()):
        for entry in page.get("Contents", []):
            key = entry["Key"]
            parsed = layout.parse_key(key)
            if parsed is None:
                continue
            if parsed.topic not in wanted and not (regex and regex.fullmatch(parsed.topic)):
                continue
            out.append(_object_info(client, config, key, parsed))
    return out


def _object_info(
    client: Any, config: S3SinkConfig, key: str, parsed: layout.ParsedKey
) -> ObjectInfo:
    head = client.head_object(Bucket=config.bucket, Key=key)
    meta = {k.lower(): v for k, v in (head.get("Metadata") or {}).items()}
    base = int(meta.get(layout.META_BASE, parsed.start_offset))
    if layout.META_COUNT in meta:
        count = int(meta[layout.META_COUNT])
    else:
        body = client.get_object(Bucket=config.bucket, Key=key)["Body"].read()
        count = count_records(body, key, config)
    return ObjectInfo(key, parsed.topic, parsed.partition, parsed.start_offset, base, count)


async def committed_offsets(
    worker: Path | None,
    bootstrap: str | None,
    group: str,
    tps: set[tuple[str, int]],
    topics: set[str],
) -> dict[tuple[str, int], int | None]:
    """Committed offsets of ``group`` for ``tps`` and every partition of ``topics``."""
    from connect.config import load_worker_config
    from connect.kafka import KafkaClients

    overrides = {"bootstrap.servers": bootstrap} if bootstrap else {}
    clients = KafkaClients.from_worker(load_worker_config(worker, overrides))
    wanted = set(tps)
    admin = clients.admin()
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        present = sorted(topics & existing)  # never ask about a missing topic: no auto-create
        if present:
            for meta in await admin.describe_topics(present):
                for part in meta.get("partitions", []):
                    wanted.add((meta["topic"], int(part["partition"])))
    finally:
        await admin.close()
    from aiokafka import TopicPartition as KafkaTP

    consumer = clients.consumer(group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        return {tp: await consumer.committed(KafkaTP(*tp)) for tp in sorted(wanted)}
    finally:
        await consumer.stop()


async def log_ends(
    worker: Path | None, bootstrap: str | None, tps: set[tuple[str, int]]
) -> dict[tuple[str, int], tuple[int, int]]:
    """``(log start, log end)`` of each partition (exact on Apache Kafka: ListOffsets)."""
    from aiokafka import TopicPartition as KafkaTP

    from connect.config import load_worker_config
    from connect.kafka import KafkaClients

    if not tps:
        return {}
    overrides = {"bootstrap.servers": bootstrap} if bootstrap else {}
    clients = KafkaClients.from_worker(load_worker_config(worker, overrides))
    consumer = clients.consumer(enable_auto_commit=False)
    await consumer.start()
    try:
        parts = [KafkaTP(*tp) for tp in sorted(tps)]
        starts = await consumer.beginning_offsets(parts)
        ends = await consumer.end_offsets(parts)
        return {(tp.topic, tp.partition): (starts[tp], ends[tp]) for tp in parts}
    finally:
        await consumer.stop()


def not_archived(report: PartitionReport, log: tuple[int, int] | None) -> int | None:
    """Records of the partition in Kafka after the end of its archive (None if unknown)."""
    if log is None:
        return None
    start, end = log
    archived = max(report.end_offset or 0, report.committed or 0, start)
    return max(0, end - archived)


def _render(
    name: str,
    config: S3SinkConfig,
    reports: list[PartitionReport],
    pending: Mapping[tuple[str, int], int | None] | None = None,
) -> str:
    lines = [f"task {name}: bucket {config.bucket!r}, prefix {config.prefix() or '(root)'}"]
    for r in reports:
        span = (
            f"[{r.first_offset}, {r.end_offset})" if r.first_offset is not None else "(no objects)"
        )
        status = "OK" if r.ok else "PROBLEM"
        lines.append(
            f"  {r.topic}-{r.partition}: {status} {r.objects} objects, {r.records} records, "
            f"offsets {span}, committed {r.committed}"
        )
        waiting = (pending or {}).get((r.topic, r.partition))
        if waiting:
            lines.append(
                f"    {waiting} records still only in Kafka, not yet archived (the sink "
                "writes them at flush.size or rotation)"
            )
        lines.extend(f"    gap: offsets {a}..{b} missing" for a, b in r.gaps)
        lines.extend(f"    overlap: offsets {a}..{b} stored twice" for a, b in r.overlaps)
        if r.uncommitted:
            lines.append(
                f"    {len(r.uncommitted)} objects at or after the committed offset (rewritten "
                "when the task resumes)"
            )
        lines.extend(f"    note: {n}" for n in r.notes)
    if not reports:
        lines.append("  no objects and no committed offsets")
    return "\n".join(lines)


@app.command()
def verify(
    task_file: Annotated[Path, typer.Argument(help="The sink's task JSON")],
    worker: Annotated[
        Path | None,
        typer.Option("--worker", "-w", help="Worker config (bootstrap.servers, security)"),
    ] = None,
    bootstrap_servers: Annotated[
        str | None,
        typer.Option("--bootstrap-servers", "-b", help="Kafka to read committed offsets from"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
) -> None:
    """Check the task's objects for gaps and overlaps against its committed offsets."""
    from pydantic import ValidationError

    from connect.config import InvalidConfig, load_task_file, resolve_all

    try:
        name, raw = load_task_file(task_file)
        raw = resolve_all(raw)
        config = sink_config(raw)
    except (InvalidConfig, ConnectError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    except ValidationError as exc:
        typer.echo(f"error: {task_file}: {exc}", err=True)
        raise typer.Exit(2) from exc
    topics, regex = task_topics(raw)
    try:
        client = make_client(config)
        objects = list_objects(client, config, topics, regex)
    except Exception as exc:
        typer.echo(f"error: {translate(exc, f'cannot list bucket {config.bucket!r}')}", err=True)
        raise typer.Exit(2) from exc
    if worker is None and bootstrap_servers is None:
        typer.echo("error: give --worker CONFIG or --bootstrap-servers HOST:PORT", err=True)
        raise typer.Exit(2)
    tps = {(o.topic, o.partition) for o in objects}
    committed = asyncio.run(
        committed_offsets(worker, bootstrap_servers, f"connect-{name}", tps, topics)
    )
    reports = audit(objects, committed)
    logs = asyncio.run(
        log_ends(worker, bootstrap_servers, {(r.topic, r.partition) for r in reports})
    )
    pending = {
        (r.topic, r.partition): not_archived(r, logs.get((r.topic, r.partition))) for r in reports
    }
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "task": name,
                    "bucket": config.bucket,
                    "ok": all(r.ok for r in reports),
                    "partitions": [
                        {**r.to_json(), "not_archived": pending[(r.topic, r.partition)]}
                        for r in reports
                    ],
                }
            )
        )
    else:
        typer.echo(_render(name, config, reports, pending))
    raise typer.Exit(0 if all(r.ok for r in reports) else 1)


if __name__ == "__main__":
    app()
