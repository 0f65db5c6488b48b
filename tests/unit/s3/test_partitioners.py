from __future__ import annotations

from typing import Any

import pytest

from connect.api import DataError, SinkRecord
from connectors.s3.config import S3SinkConfig
from connectors.s3.partitioners import make_partitioner, timestamp_extractor, to_millis

# 2024-03-07T23:30:00Z
TS = 1_709_854_200_000


def cfg(**options: Any) -> S3SinkConfig:
    return S3SinkConfig.model_validate({"s3.bucket.name": "b", **options})


def rec(value: Any = None, ts: int | None = TS, partition: int = 2) -> SinkRecord:
    return SinkRecord(topic="t", partition=partition, offset=5, value=value, timestamp=ts)


def test_default() -> None:
    assert make_partitioner(cfg()).encode(rec(), None) == "partition=2"


def test_field_partitioner_nested_and_types() -> None:
    p = make_partitioner(cfg(**{"partitioner.class": "field", "partition.field.name": "a,b.c"}))
    assert p.encode(rec({"a": "x/y", "b": {"c": True}}), None) == "a=x_y/b.c=true"
    with pytest.raises(DataError, match="'a'"):
        p.encode(rec({"b": {"c": 1}}), None)
    with pytest.raises(DataError, match="t-2@5"):
        p.encode(rec("not a struct"), None)


def test_time_partitioner_hourly_and_zone() -> None:
    c = cfg(**{"partitioner.class": "HourlyPartitioner"})
    assert make_partitioner(c).encode(rec(), TS) == "year=2024/month=03/day=07/hour=23"
    tokyo = cfg(
        **{
            "partitioner.class": "io.confluent.connect.storage.partitioner.TimeBasedPartitioner",
            "path.format": "yyyy/MM/dd",
            "partition.duration.ms": 86_400_000,
            "timezone": "Asia/Tokyo",
        }
    )
    # 23:30 UTC is 08:30 the next day in Tokyo; the day bucket is aligned in that zone
    assert make_partitioner(tokyo).encode(rec(), TS) == "2024/03/08"


def test_time_partitioner_duration_floors() -> None:
    c = cfg(
        **{
            "partitioner.class": "time",
            "path.format": "HH-mm",
            "partition.duration.ms": 15 * 60_000,
        }
    )
    assert make_partitioner(c).encode(rec(), TS + 14 * 60_000) == "23-30"
    assert make_partitioner(c).encode(rec(), TS + 15 * 60_000) == "23-45"


def test_extractors() -> None:
    assert timestamp_extractor(cfg())(rec()) == TS
    with pytest.raises(DataError, match="no timestamp"):
        timestamp_extractor(cfg())(rec(ts=None))
    field = cfg(**{"timestamp.extractor": "RecordField", "timestamp.field": "meta.at"})
    assert timestamp_extractor(field)(rec({"meta": {"at": "2024-03-07T23:30:00Z"}})) == TS
    assert timestamp_extractor(field)(rec({"meta": {"at": TS}})) == TS
    with pytest.raises(DataError, match=r"meta.at"):
        timestamp_extractor(field)(rec({"meta": {}}))
    wall = timestamp_extractor(cfg(**{"timestamp.extractor": "Wallclock"}))(rec(ts=None))
    assert wall > TS


def test_to_millis() -> None:
    assert to_millis("123") == 123
    assert to_millis(1.5) == 1
    with pytest.raises(ValueError):
        to_millis(True)
