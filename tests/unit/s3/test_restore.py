"""The restore logic against moto's S3 server: objects written by the sink task, read back
by ``PartitionRestore`` (merge order, overlaps, gaps, resume positions), the shared
envelope both ways, and ``s3 restore --dry-run``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from connect.api import SinkRecord
from connectors.s3 import listing
from connectors.s3.envelope import READERS, WRITERS
from connectors.s3.restore import PartitionRestore
from connectors.s3.restore_cli import app, source_config
from connectors.s3.source_config import S3SourceConfig
from tests.unit.s3.conftest import StartTask
from tests.unit.s3.support import Bucket, rec, settled_put

HEADERS = (("a b", b"text"), ("ü/+", b"\xff\x00"), ("none", None))


def _source(bucket: Bucket, **options: Any) -> S3SourceConfig:
    config = bucket.config(**{"store.envelope": True, **options})
    config["connector.class"] = "s3-source"
    return source_config(config)


def _restore(
    bucket: Bucket, config: S3SourceConfig, partition: int = 0, position: Any = None
) -> PartitionRestore:
    objects = listing.all_objects(bucket.client, config, ["t"]).get(("t", partition), [])

    def fetch(obj: listing.ArchiveObject) -> Any:
        return bucket.client.get_object(Bucket=bucket.name, Key=obj.key)["Body"]

    return PartitionRestore("t", partition, config, fetch, iter(objects), position)


def _drain(restore: PartitionRestore, batch: int = 1000) -> list[int]:
    out: list[int] = []
    while records := restore.take(batch, 1 << 30):
        out.extend(r.offset for r in records)
    return out


@pytest.mark.parametrize("fmt", ["json", "avro", "parquet"])
def test_envelope_is_read_back_as_written(fmt: str) -> None:
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    record = SinkRecord("t", b"\x00k", b"\xffv", HEADERS, 5, partition=3, offset=42)
    back = READERS[fmt](WRITERS[fmt](record))
    assert (back.topic, back.partition, back.offset, back.timestamp) == ("t", 3, 42, 5)
    assert (back.key, back.value, back.headers) == (b"\x00k", b"\xffv", HEADERS)


def test_json_envelope_marks_bytes_and_keeps_text() -> None:
    doc = WRITERS["json"](SinkRecord("t", "text key", b"\x01", (), None, partition=0, offset=0))
    assert doc["key"] == "text key" and doc["value_base64"] == "AQ==" and "value" not in doc
    assert READERS["json"](json.loads(json.dumps(doc))).value == b"\x01"


async def test_time_partitioned_objects_merge_back_in_offset_order(
    bucket: Bucket, start_task: StartTask
) -> None:
    hour = 3_600_000
    base = 1_700_000_000_000 - 1_700_000_000_000 % hour
    # record times jump between two hours: one rotation group spans two paths
    times = [base + (hour if i % 3 == 1 else 0) + i for i in range(30)]
    options = {
        "store.envelope": True,
        "flush.size": 10,
        "partitioner.class": "hourly",
    }
    task = await start_task(**options)
    await settled_put(task, [rec(i, {"i": i}, ts=times[i]) for i in range(30)])
    config = _source(bucket, **{"partitioner.class": "hourly"})
    assert len(bucket.object_keys()) == 6
    restore = _restore(bucket, config)
    assert _drain(restore, batch=4) == list(range(30))
    assert restore.progress.gaps == [] and restore.progress.overlaps == []


async def test_resume_from_any_position_gives_the_rest_once(
    bucket: Bucket, start_task: StartTask
) -> None:
    task = await start_task(**{"store.envelope": True, "flush.size": 10})
    await settled_put(task, [rec(i, {"i": i}) for i in range(35)])
    config = _source(bucket)
    first = _restore(bucket, config)
    for cut in (1, 8, 1, 10, 5, 5):  # inside an object, at its end, across objects
        taken = [r.offset for r in first.take(cut, 1 << 30)]
        position = first.position()
        resumed = _drain(_restore(bucket, config, position=json.loads(json.dumps(position))))
        assert resumed == list(range(taken[-1] + 1, 30))
    assert first.take(100, 1 << 30) == [] and first.done


async def test_a_listing_that_fails_midway_is_not_the_end_of_the_partition(
    bucket: Bucket, start_task: StartTask
) -> None:
    task = await start_task(**{"store.envelope": True, "flush.size": 10})
    await settled_put(task, [rec(i, {"i": i}) for i in range(30)])
    config = _source(bucket)
    objects = listing.all_objects(bucket.client, config, ["t"])[("t", 0)]

    def listed_until_s3_fails() -> Any:
        yield from objects[:2]
        raise ConnectionError("S3 went away while listing")

    def fetch(obj: listing.ArchiveObject) -> Any:
        return bucket.client.get_object(Bucket=bucket.name, Key=obj.key)["Body"]

    restore = PartitionRestore("t", 0, config, fetch, listed_until_s3_fails())
    assert [r.offset for r in restore.take(5, 1 << 30)] == list(range(5))
    handed_out = restore.position()
    for _ in range(2):  # every later look meets the failure: nothing reads as done
        with pytest.raises(ConnectionError):
            restore.take(10, 1 << 30)
    resumed = PartitionRestore("t", 0, config, fetch, iter(objects), handed_out)
    assert _drain(resumed) == list(range(5, 30))


async def test_gap_and_overlap_between_objects(bucket: Bucket, start_task: StartTask) -> None:
    task = await start_task(**{"store.envelope": True, "flush.size": 10})
    await settled_put(task, [rec(i, {"i": i}, headers=HEADERS) for i in range(40)])
    keys = bucket.object_keys()
    bucket.client.delete_object(Bucket=bucket.name, Key=keys[1])  # offsets 10..19
    stray = keys[2].replace("+0000000020.", "+0000000025.")  # 20..29 again, as from 25
    bucket.client.copy_object(
        Bucket=bucket.name, Key=stray, CopySource={"Bucket": bucket.name, "Key": keys[2]}
    )
    restore = _restore(bucket, _source(bucket))
    records = []
    while batch := restore.take(7, 1 << 30):
        records.extend(batch)
    assert [r.offset for r in records] == [*range(10), *range(20, 40)]
    assert all(r.headers == HEADERS for r in records)
    assert restore.progress.gaps == [(10, 19)]
    assert restore.progress.overlaps == [(stray, 20, 29)]


class _NoReads:
    """Wraps what blocks (fetch, listing, object bodies) and fails a read made while
    ``taking``: ``take(io=False)`` (the s3-source runs it on the event loop) must not read."""

    def __init__(self, bucket: Bucket) -> None:
        self.bucket = bucket
        self.taking = False
        self.reads = 0

    def check(self) -> None:
        assert not self.taking, "take(io=False) read from S3"
        self.reads += 1

    def fetch(self, obj: listing.ArchiveObject) -> Any:
        self.check()
        body = self.bucket.client.get_object(Bucket=self.bucket.name, Key=obj.key)["Body"]
        watch = self

        class Body:
            def read(self, size: int = -1) -> bytes:
                watch.check()
                return body.read(size)  # type: ignore[no-any-return]

        return Body()

    def listed(self, objects: list[listing.ArchiveObject]) -> Iterator[listing.ArchiveObject]:
        for obj in objects:
            self.check()
            yield obj


def _prepared(
    bucket: Bucket, config: S3SourceConfig, position: Any = None
) -> tuple[PartitionRestore, _NoReads]:
    watch = _NoReads(bucket)
    objects = listing.all_objects(bucket.client, config, ["t"]).get(("t", 0), [])
    return PartitionRestore("t", 0, config, watch.fetch, watch.listed(objects), position), watch


def _drain_prepared(
    restore: PartitionRestore, watch: _NoReads, batch: int, max_bytes: int = 1 << 30
) -> list[Any]:
    """As the s3-source does: reads in ``prepare``, decoding in ``take(io=False)``."""
    out: list[Any] = []
    for _ in range(10_000):
        restore.prepare(max_bytes)
        watch.taking = True
        try:
            records = restore.take(batch, max_bytes, io=False)
        finally:
            watch.taking = False
        out += records
        if not records and not restore.blocked:
            assert restore.finished
            return out
    raise AssertionError("the restore made no progress")


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Objects read a few records at a time: parts end inside objects, read-ahead runs dry."""
    from connectors.s3 import reader

    monkeypatch.setattr(reader, "JSON_CHUNK", 300)


@pytest.mark.usefixtures("small_parts")
@pytest.mark.parametrize("max_bytes", [1 << 30, 2000])
async def test_prepared_takes_read_nothing_and_merge_as_take_does(
    bucket: Bucket, start_task: StartTask, max_bytes: int
) -> None:
    hour = 3_600_000
    base = 1_700_000_000_000 - 1_700_000_000_000 % hour
    times = [base + (hour if i % 3 == 1 else 0) + i for i in range(30)]
    task = await start_task(
        **{"store.envelope": True, "flush.size": 10, "partitioner.class": "hourly"}
    )
    await settled_put(task, [rec(i, {"i": i}, ts=times[i], headers=HEADERS) for i in range(30)])
    config = _source(bucket, **{"partitioner.class": "hourly"})
    restore, watch = _prepared(bucket, config)
    records = _drain_prepared(restore, watch, batch=4, max_bytes=max_bytes)
    assert [r.offset for r in records] == list(range(30)) and watch.reads > 6
    assert all(r.headers == HEADERS for r in records)
    assert restore.progress.gaps == [] and restore.progress.overlaps == []


@pytest.mark.usefixtures("small_parts")
async def test_prepared_takes_report_gaps_overlaps_and_resume(
    bucket: Bucket, start_task: StartTask
) -> None:
    task = await start_task(**{"store.envelope": True, "flush.size": 10})
    await settled_put(task, [rec(i, {"i": i}) for i in range(40)])
    keys = bucket.object_keys()
    bucket.client.delete_object(Bucket=bucket.name, Key=keys[1])  # offsets 10..19
    stray = keys[2].replace("+0000000020.", "+0000000025.")  # 20..29 again, as from 25
    bucket.client.copy_object(
        Bucket=bucket.name, Key=stray, CopySource={"Bucket": bucket.name, "Key": keys[2]}
    )
    config = _source(bucket)
    restore, watch = _prepared(bucket, config)
    assert [r.offset for r in _drain_prepared(restore, watch, batch=7)] == [
        *range(10),
        *range(20, 40),
    ]
    assert restore.progress.gaps == [(10, 19)]
    assert restore.progress.overlaps == [(stray, 20, 29)]
    first, watch = _prepared(bucket, config)
    for cut in (3, 10, 1, 6):  # positions inside objects and at their ends
        first.prepare(1 << 30)
        taken = [r.offset for r in first.take(cut, 1 << 30, io=False)]
        if not taken:
            continue
        position = json.loads(json.dumps(first.position()))
        resumed, rwatch = _prepared(bucket, config, position)
        rest = [r.offset for r in _drain_prepared(resumed, rwatch, batch=5)]
        assert rest == [o for o in [*range(10), *range(20, 40)] if o > taken[-1]]


def _task_file(tmp_path: Path, config: dict[str, Any]) -> Path:
    path = tmp_path / "restore.json"
    path.write_text(json.dumps({"name": "r", "config": config}))
    return path


async def test_dry_run_prints_objects_ranges_gaps_and_the_time_range(
    bucket: Bucket, start_task: StartTask, tmp_path: Path
) -> None:
    task = await start_task(**{"store.envelope": True, "flush.size": 5})
    await settled_put(task, [rec(i // 2, {"i": i}, partition=i % 2) for i in range(40)])
    before = bucket.object_keys()
    bucket.client.delete_object(Bucket=bucket.name, Key=before[1])  # partition 0, 5..9
    config = bucket.config(
        **{
            "connector.class": "s3-source",
            "store.envelope": True,
            "restore.start.time": 1_700_000_000_000 + 4,
        }
    )
    result = CliRunner().invoke(app, ["restore", str(_task_file(tmp_path, config)), "--dry-run"])
    assert result.exit_code == 1, result.output  # a gap
    lines = [line.strip() for line in result.output.splitlines() if "[warning" not in line]
    assert (
        "t-0 -> t-0: 3 objects, offsets [0, 20), 11 records to restore, 4 outside the time range"
        in lines
    ), lines
    assert lines[lines.index("gap: offsets 5..9 missing") - 1].startswith("t-0 -> t-0")
    assert "t-1 -> t-1: 4 objects, offsets [0, 20), 16 records to restore, 4 outside" in "\n".join(
        lines
    )
    assert bucket.object_keys() == [k for k in before if k != before[1]], "nothing written"
    as_json = CliRunner().invoke(
        app, ["restore", str(_task_file(tmp_path, config)), "--dry-run", "--json"]
    )
    doc = json.loads(as_json.output.strip().splitlines()[-1])
    assert [(p["partition"], p["records"], p["gaps"]) for p in doc["partitions"]] == [
        (0, 11, [[5, 9]]),
        (1, 16, []),
    ]


def test_dry_run_bad_task_is_one_line_naming_the_key(tmp_path: Path) -> None:
    config = {
        "connector.class": "s3-source",
        "s3.bucket.name": "b",
        "store.envelope": True,
        "restore.start.time": "yesterday",
    }
    result = CliRunner().invoke(app, ["restore", str(_task_file(tmp_path, config)), "--dry-run"])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert "restore.start.time" in result.output and "ISO-8601" in result.output


def test_time_range_needs_the_envelope() -> None:
    with pytest.raises(ValueError, match=r"need store.envelope=true"):
        S3SourceConfig.model_validate({"s3.bucket.name": "b", "restore.end.time": 5})


@pytest.mark.parametrize("name", ["s3-restore.json", "obs-restore.json"])
def test_example_tasks_are_valid(name: str) -> None:
    spec = json.loads((Path(__file__).resolve().parents[3] / "tasks" / name).read_text())
    config = source_config(spec["config"])
    assert config.target_topic("orders") == "restored.orders"
    if name == "obs-restore.json":
        assert config.format == "bytes" and not config.path_include_topic
        assert config.prefix() == "kafka-dump/orders/" and config.partitioner == "time"
    else:
        assert config.envelope and config.start_time is not None
