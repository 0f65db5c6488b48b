from __future__ import annotations

import builtins
from typing import Any

import pytest
from pydantic import ValidationError

from connect.api import ConfigError
from connectors.s3.config import S3SinkConfig
from connectors.s3.connector import S3SinkConnector
from connectors.s3.obs import ObsSinkConnector

BASE = {"connector.class": "s3-sink", "topics": "t", "s3.bucket.name": "b"}


def validate(**options: Any) -> S3SinkConfig:
    return S3SinkConfig.model_validate({**BASE, **options})


def test_defaults_follow_confluent() -> None:
    c = validate()
    assert c.topics_dir == "topics"
    assert c.part_size == 25 * 1024 * 1024
    assert c.format == "json" and c.partitioner == "default"
    assert c.exactly_once


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("io.confluent.connect.s3.format.json.JsonFormat", "json"),
        ("io.confluent.connect.s3.format.bytearray.ByteArrayFormat", "bytes"),
        ("io.confluent.connect.s3.format.avro.AvroFormat", "avro"),
        ("parquet", "parquet"),
    ],
)
def test_format_aliases(name: str, expected: str) -> None:
    assert validate(**{"format.class": name}).format == expected


def test_problems_name_their_key() -> None:
    with pytest.raises(ValidationError, match=r"format.class"):
        validate(**{"format.class": "csv"})
    with pytest.raises(ValidationError, match=r"s3.part.size"):
        validate(**{"s3.part.size": 1024})
    with pytest.raises(ValidationError, match=r"partition.field.name"):
        validate(**{"partitioner.class": "field"})
    with pytest.raises(ValidationError, match="timezone"):
        validate(**{"timezone": "Mars/Base"})
    with pytest.raises(ValidationError, match="unsupported letter"):
        validate(**{"partitioner.class": "time", "path.format": "yyyy/QQ"})
    with pytest.raises(ValidationError, match=r"s3.bucket.name"):
        S3SinkConfig.model_validate({"topics": "t"})


def test_schedule_rotation_and_wallclock_are_not_exactly_once() -> None:
    assert not validate(**{"rotate.schedule.interval.ms": 1000}).exactly_once
    assert not validate(**{"timestamp.extractor": "Wallclock"}).exactly_once


def test_missing_pyarrow_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_pyarrow(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("pyarrow"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    with pytest.raises(
        (ValidationError, ConfigError), match=r"pip install 'smart-connect\[parquet\]'"
    ):
        validate(**{"format.class": "parquet"})


def test_confluent_spellings() -> None:
    normalized = S3SinkConnector.normalize({**BASE, "s3.path.style.access.enabled": "true"})
    assert S3SinkConfig.model_validate(normalized).path_style_access is True


HUAWEI = {
    "connector.class": "obs-sink",
    "topics": "orders",
    "consumer_strategy": "earliest",
    "destination_file_type": "TEXT",
    "deliver_time_interval": 300,
    "access_key": "AK",
    "secret_key": "SK",
    "obs_bucket_name": "dump",
    "obs_path": "kafka/orders",
    "partition_format": "yyyy/MM/dd",
    "record_delimiter": "\\n",
    "store_keys": False,
}


def test_huawei_task_maps_onto_s3_options() -> None:
    normalized = ObsSinkConnector.normalize(HUAWEI)
    c = S3SinkConfig.model_validate(normalized)
    assert c.bucket == "dump"
    assert c.topics_dir == "kafka/orders" and not c.path_include_topic
    assert c.partitioner == "time" and c.path_format == "yyyy/MM/dd"
    assert c.partition_duration_ms == 86_400_000
    assert c.rotate_schedule_interval_ms == 300_000
    assert c.format == "bytes" and c.bytes_separator == "\n" and c.bytes_extension == ".txt"
    assert c.access_key_id == "AK"
    assert c.secret_access_key is not None and c.secret_access_key.get_secret_value() == "SK"
    assert normalized["consumer.override.auto.offset.reset"] == "earliest"
    assert normalized["value.converter"] == "bytes"
    assert "obs_bucket_name" not in normalized


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("partition_format", "yyyy-MM"),
        ("consumer_strategy", "middle"),
        ("destination_file_type", "PARQUET"),
        ("deliver_time_interval", "soon"),
    ],
)
def test_huawei_bad_values_name_the_huawei_key(key: str, value: Any) -> None:
    with pytest.raises(ConfigError, match=key):
        ObsSinkConnector.normalize({**HUAWEI, key: value})


def test_explicit_keys_win_over_huawei_ones() -> None:
    normalized = ObsSinkConnector.normalize({**HUAWEI, "flush.size": 7, "format.class": "json"})
    c = S3SinkConfig.model_validate(normalized)
    assert c.flush_size == 7 and c.format == "json"
