"""``obs-sink``: the S3 sink taking Huawei Smart Connect's OBS dump task parameters as they are.

Mapping (Huawei key → smart-connect key):

    obs_bucket_name          → s3.bucket.name
    obs_path                 → topics.dir, with path.include.topic=false so objects land
                               under obs_path/<partition_format>/...
    partition_format         → partitioner.class=time, path.format (yyyy ... mm),
                               partition.duration.ms of its finest unit
    record_delimiter         → format.bytearray.separator
    store_keys               → store.kafka.keys
    deliver_time_interval    → rotate.schedule.interval.ms (seconds * 1000)
    consumer_strategy        → consumer.override.auto.offset.reset (earliest | latest)
    access_key / secret_key  → aws.access.key.id / aws.secret.access.key
    destination_file_type    → format.class bytes, extension .txt (TEXT is the only type)
    topics_regex             → topics.regex
    obs_endpoint / region    → store.url / s3.region
    flush_size / timezone / obs_part_size → flush.size / timezone / s3.part.size

Keys already in smart-connect's vocabulary win over their Huawei spelling.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from connect.api import ConfigError
from connectors.s3.connector import S3SinkConnector
from connectors.s3.source_connector import S3SourceConnector

PARTITION_FORMATS: dict[str, int | None] = {
    "yyyy": None,
    "yyyy/MM": None,
    "yyyy/MM/dd": 86_400_000,
    "yyyy/MM/dd/HH": 3_600_000,
    "yyyy/MM/dd/HH/mm": 60_000,
}

_DIRECT = {
    "obs_bucket_name": "s3.bucket.name",
    "record_delimiter": "format.bytearray.separator",
    "store_keys": "store.kafka.keys",
    "access_key": "aws.access.key.id",
    "secret_key": "aws.secret.access.key",
    "topics_regex": "topics.regex",
    "obs_endpoint": "store.url",
    "region": "s3.region",
    "flush_size": "flush.size",
    "timezone": "timezone",
    "obs_part_size": "s3.part.size",
}

# Huawei dumps by time: with no flush.size given, only the interval closes a file.
DEFAULT_FLUSH_SIZE = 1_000_000


def huawei_to_s3(config: Mapping[str, Any]) -> dict[str, Any]:
    """The ``s3-sink`` config for a task written with Huawei's OBS dump parameters."""
    out = dict(config)

    def put(key: str, value: Any) -> None:
        out.setdefault(key, value)

    for huawei, ours in _DIRECT.items():
        if huawei in out:
            put(ours, out.pop(huawei))
    if "obs_path" in out:
        put("topics.dir", str(out.pop("obs_path") or ""))
        put("path.include.topic", False)
    if "partition_format" in out:
        fmt = str(out.pop("partition_format")).strip()
        if fmt not in PARTITION_FORMATS:
            raise ConfigError(
                f"expected one of {', '.join(PARTITION_FORMATS)} (got {fmt!r})",
                key="partition_format",
            )
        put("partitioner.class", "time")
        put("path.format", fmt)
        duration = PARTITION_FORMATS[fmt]
        if duration is not None:
            put("partition.duration.ms", duration)
    if "deliver_time_interval" in out:
        seconds = out.pop("deliver_time_interval")
        try:
            put("rotate.schedule.interval.ms", int(float(seconds) * 1000))
        except (TypeError, ValueError):
            raise ConfigError(
                f"expected seconds (got {seconds!r})", key="deliver_time_interval"
            ) from None
    if "consumer_strategy" in out:
        strategy = str(out.pop("consumer_strategy")).strip().lower()
        if strategy not in ("earliest", "latest"):
            raise ConfigError(
                f"expected earliest or latest (got {strategy!r})", key="consumer_strategy"
            )
        put("consumer.override.auto.offset.reset", strategy)
    file_type = str(out.pop("destination_file_type", "TEXT")).strip().upper()
    if file_type not in ("TEXT", "TXT"):
        raise ConfigError(
            f"only TEXT is supported (got {file_type!r})", key="destination_file_type"
        )
    put("format.class", "bytes")
    put("format.bytearray.extension", ".txt")
    put("key.converter", "bytes")
    put("value.converter", "bytes")
    put("flush.size", DEFAULT_FLUSH_SIZE)
    for ignored in ("source_type", "destination_type", "task_name"):
        out.pop(ignored, None)
    return out


class ObsSinkConnector(S3SinkConnector):
    """Huawei Smart Connect's "dump to OBS" task, accepted with its own parameter names."""

    aliases: ClassVar[tuple[str, ...]] = ("obs-sink", "ObsSinkConnector", "OBS_SINK")

    @classmethod
    def normalize(cls, config: Mapping[str, Any]) -> dict[str, Any]:
        return super().normalize(huawei_to_s3(config))


class ObsSourceConnector(S3SourceConnector):
    """Restores what an ``obs-sink`` (Huawei's "dump to OBS" parameters) archived, taking
    the same parameters: ``obs_bucket_name``, ``obs_path``, ``partition_format``,
    ``record_delimiter``, ``store_keys``, ``access_key``/``secret_key``, ``obs_endpoint``."""

    aliases: ClassVar[tuple[str, ...]] = ("obs-source", "ObsSourceConnector", "OBS_SOURCE")

    @classmethod
    def normalize(cls, config: Mapping[str, Any]) -> dict[str, Any]:
        out = huawei_to_s3(config)
        for sink_only in ("consumer.override.auto.offset.reset", "rotate.schedule.interval.ms"):
            if sink_only not in config:
                out.pop(sink_only, None)
        if "flush_size" not in config and "flush.size" not in config:
            out.pop("flush.size", None)
        return super().normalize(out)
