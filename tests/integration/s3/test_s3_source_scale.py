"""A partition archived in 100,000 objects: the s3-source starts restoring after the first
page of the listing, not after listing them all (issue #14, "listing is paged and lazy").

The objects are put through moto's in-process backend (the session's moto server runs in
this process; 100,000 PUTs over HTTP take minutes on two cores); everything the task does
goes over HTTP, and its ``ListObjectsV2`` calls are counted with a botocore event hook
on its own client.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from connect.api import RawRecordBatch, SinkRecord, SourceTaskContext
from connectors.s3 import layout, source_task
from connectors.s3.envelope import json_envelope
from connectors.s3.source_task import S3SourceTask
from tests.fixtures.s3 import S3Server
from tests.unit.s3.support import Bucket

OBJECTS = 100_000
PAGE = 1000  # keys per ListObjectsV2 page (S3's and moto's default)
BATCH = 200  # records of the first poll: the first page's objects hold them


class _Context(SourceTaskContext):
    """No stored positions; the target topic has one partition."""

    @property
    def connector_name(self) -> str:
        return "s3-scale"

    @property
    def task_id(self) -> int:
        return 0

    def offset(self, partition: Mapping[str, Any]) -> Mapping[str, Any] | None:
        return None

    async def partition_count(self, topic: str) -> int | None:
        return 1


def _body(topic: str, offset: int) -> bytes:
    record = SinkRecord(
        topic, b"k%d" % offset, b"v%d" % offset, (("h", b"\xff"),), 1_700_000_000_000 + offset,
        partition=0, offset=offset,
    )  # fmt: skip
    return json.dumps(json_envelope(record)).encode() + b"\n"


@pytest.fixture
def archived(s3_server: S3Server, unique: str) -> Iterator[tuple[Bucket, str]]:
    """A bucket holding ``OBJECTS`` one-record objects of partition 0, as the sink names them."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    bucket = Bucket(s3_server)
    backend = s3_backends[DEFAULT_ACCOUNT_ID]["global"]
    started = time.perf_counter()
    for offset in range(OBJECTS):
        key = layout.object_key("topics/", unique, "partition=0", 0, offset, "json")
        backend.put_object(bucket.name, key, _body(unique, offset))
    print(f"{OBJECTS} objects put in {time.perf_counter() - started:.1f} s")
    yield bucket, unique
    backend.buckets[bucket.name].keys.clear()  # frees the memory of the session's server
    bucket.client.delete_bucket(Bucket=bucket.name)


async def test_restore_starts_after_the_first_listing_page(
    archived: tuple[Bucket, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket, topic = archived
    listed: list[dict[str, Any]] = []

    def counted_client(*args: Any, **kwargs: Any) -> Any:
        client = make_client(*args, **kwargs)

        def seen(params: dict[str, Any], **_: Any) -> None:
            listed.append(dict(params))

        client.meta.events.register("before-parameter-build.s3.ListObjectsV2", seen)
        return client

    make_client = source_task.make_client
    monkeypatch.setattr(source_task, "make_client", counted_client)
    config = bucket.config(
        **{
            "connector.class": "s3-source",
            "topics": topic,
            "store.envelope": True,
            "s3.source.batch.records": BATCH,
        }
    )
    task = S3SourceTask()
    task.initialize(_Context())
    started = time.perf_counter()
    await task.start(config)
    try:
        polled: list[Any] = []
        while not polled:  # poll() returns [] until its first read (in a thread) is done
            polled = list(await task.poll())
        first_record_s = time.perf_counter() - started
    finally:
        await task.stop()
    pages = [p for p in listed if "Delimiter" not in p]
    print(f"first records after {first_record_s:.2f} s; ListObjectsV2 calls: {listed}")

    [batch] = polled
    assert isinstance(batch, RawRecordBatch)
    assert [r.key for r in batch.records] == [b"k%d" % i for i in range(BATCH)]
    assert batch.records[0].value == b"v0" and batch.records[0].headers == (("h", b"\xff"),)
    assert batch.source_offset is not None and batch.source_offset["offset"] == BATCH
    # discovery: one delimiter listing of the topic's directory; then the partition's own
    # listing, of which only the first page (of OBJECTS / PAGE) was needed
    assert len(listed) - len(pages) == 1
    assert len(pages) == 1, f"{len(pages)} pages listed of {OBJECTS // PAGE}"
    assert first_record_s < 10, f"first records after {first_record_s:.1f} s"
