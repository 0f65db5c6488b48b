"""Finding what the sink archived: topics, partitions and each partition's objects.

With the default layout (``<topics.dir>/<topic>/partition=<p>/``) everything is found
through prefixes: topics and partitions with delimiter listings, a partition's objects
with a paged listing of its own directory, whose zero-padded names come in start-offset
order, so a restore starts after the first page. Other layouts (time or field
partitioners, ``path.include.topic=false``) hold a partition's objects under many paths:
their listing is read whole and sorted. All functions block (boto3): run them in a thread.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from connectors.s3 import layout
from connectors.s3.config import S3StoreConfig


@dataclass(frozen=True, slots=True, order=True)
class ArchiveObject:
    """One object of the archive, ordered by start offset."""

    start_offset: int
    key: str
    topic: str
    partition: int
    size: int = 0


def extensions(config: S3StoreConfig) -> set[str]:
    """The file extensions the sink writes for ``config``'s format (with and without .gz)."""
    ext = {
        "json": "json",
        "avro": "avro",
        "parquet": "parquet",
        "bytes": config.bytes_extension.lstrip(".") or "bin",
    }[config.format]
    return {ext, f"{ext}.gz"}


def prefix_listing(config: S3StoreConfig) -> bool:
    """Whether a partition's objects live under one directory of their own."""
    return config.partitioner == "default" and config.path_include_topic


def _pages(client: Any, config: S3StoreConfig, **kwargs: Any) -> Iterator[dict[str, Any]]:
    paginator = client.get_paginator("list_objects_v2")
    yield from paginator.paginate(Bucket=config.bucket, **kwargs)


def _directories(client: Any, config: S3StoreConfig, prefix: str) -> list[str]:
    out: list[str] = []
    for page in _pages(client, config, Prefix=prefix, Delimiter="/"):
        out.extend(p["Prefix"][len(prefix) :].rstrip("/") for p in page.get("CommonPrefixes", []))
    return out


def _objects(
    client: Any, config: S3StoreConfig, prefix: str, start_after: str | None = None
) -> Iterator[ArchiveObject]:
    exts = extensions(config)
    kwargs: dict[str, Any] = {"Prefix": prefix}
    if start_after:
        kwargs["StartAfter"] = start_after
    for page in _pages(client, config, **kwargs):
        for entry in page.get("Contents", []):
            parsed = layout.parse_key(entry["Key"])
            if parsed is None or parsed.extension not in exts:
                continue
            yield ArchiveObject(
                parsed.start_offset,
                entry["Key"],
                parsed.topic,
                parsed.partition,
                int(entry.get("Size", 0)),
            )


def topic_prefix(config: S3StoreConfig, topic: str) -> str:
    return f"{config.prefix()}{topic}/" if config.path_include_topic else config.prefix()


def partition_prefix(config: S3StoreConfig, topic: str, partition: int) -> str:
    return f"{topic_prefix(config, topic)}partition={partition}/"


def find_topics(client: Any, config: S3StoreConfig) -> list[str]:
    """The topics archived under ``topics.dir``."""
    if config.path_include_topic:
        return sorted(_directories(client, config, config.prefix()))
    return sorted({o.topic for o in _objects(client, config, config.prefix())})


def find_partitions(client: Any, config: S3StoreConfig, topic: str) -> list[int]:
    """The archived partitions of ``topic``."""
    if prefix_listing(config):
        found = []
        for name in _directories(client, config, topic_prefix(config, topic)):
            head, _, number = name.partition("=")
            if head == "partition" and number.isdigit():
                found.append(int(number))
        return sorted(found)
    return sorted(p for (_, p) in all_objects(client, config, [topic]))


def all_objects(
    client: Any, config: S3StoreConfig, topics: Iterable[str]
) -> dict[tuple[str, int], list[ArchiveObject]]:
    """Every object of ``topics``, by partition, sorted by start offset (a whole listing)."""
    wanted = set(topics)
    out: dict[tuple[str, int], list[ArchiveObject]] = {}
    prefixes = (
        [topic_prefix(config, t) for t in sorted(wanted)]
        if config.path_include_topic
        else [config.prefix()]
    )
    for prefix in prefixes:
        for obj in _objects(client, config, prefix):
            if obj.topic in wanted:
                out.setdefault((obj.topic, obj.partition), []).append(obj)
    for objects in out.values():
        objects.sort()
    return out


def partition_objects(
    client: Any, config: S3StoreConfig, topic: str, partition: int, start_after: str | None = None
) -> Iterator[ArchiveObject]:
    """The objects of one partition in start-offset order, listed page by page.

    Only for ``prefix_listing`` layouts; ``start_after`` continues after a key seen before.
    """
    for obj in _objects(client, config, partition_prefix(config, topic, partition), start_after):
        if obj.topic == topic and obj.partition == partition:
            yield obj
