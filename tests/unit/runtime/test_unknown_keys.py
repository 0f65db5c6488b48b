"""Keys that nothing reads are reported with a did-you-mean; every error in one pass."""

from __future__ import annotations

import pytest

from connect.plugins import registry
from connect.validation import check_config


def _check(config: dict[str, object], *, strict: bool = False) -> tuple[list[str], list[str]]:
    checked = check_config(config, registry(), strict=strict)
    return checked.problems, checked.warnings


def test_misspelled_keys_are_warnings_with_did_you_mean() -> None:
    problems, warnings = _check(
        {
            "connector.class": "file-source",
            "file": "/tmp/in.txt",
            "topic": "t",
            "batch.sise": 3,
            "value.convertor": "string",
            "errors.tolerence": "all",
        }
    )
    assert problems == []
    assert warnings == [
        "config.batch.sise: unknown key, did you mean 'batch.size'?",
        "config.value.convertor: unknown key, did you mean 'value.converter'?",
        "config.errors.tolerence: unknown key, did you mean 'errors.tolerance'?",
    ]


def test_strict_turns_warnings_into_problems() -> None:
    problems, _ = _check(
        {"connector.class": "file-source", "file": "f", "topic": "t", "batch.sise": 3},
        strict=True,
    )
    assert problems == ["config.batch.sise: unknown key, did you mean 'batch.size'?"]


def test_keys_the_runtime_reads_are_known() -> None:
    problems, warnings = _check(
        {
            "name": "x",
            "connector.class": "file-sink",
            "file": "f",
            "topics": "t",
            "consumer.override.auto.offset.reset": "earliest",
            "producer.override.linger.ms": "5",
            "admin.override.request.timeout.ms": "5000",
            "key.converter": "string",
            "value.converter": "json",
            "value.converter.schemas.enable": "false",
            "transforms": "stamp",
            "transforms.stamp.type": "InsertField$Value",
            "transforms.stamp.timestamp.field": "ts",
            "transforms.stamp.predicate": "tomb",
            "transforms.stamp.negate": "true",
            "predicates": "tomb",
            "predicates.tomb.type": "RecordIsTombstone",
        }
    )
    assert problems == [] and warnings == []


def test_unknown_transform_option_is_reported() -> None:
    _, warnings = _check(
        {
            "connector.class": "file-sink",
            "file": "f",
            "topics": "t",
            "transforms": "stamp",
            "transforms.stamp.type": "InsertField$Value",
            "transforms.stamp.timestamp.feild": "ts",
            "transforms.undeclared.type": "Filter",
        }
    )
    assert "config.transforms.stamp.timestamp.feild: unknown key, did you mean " in warnings[0]
    assert "'transforms.stamp.timestamp.field'" in warnings[0]
    assert warnings[1].startswith("config.transforms.undeclared.type: unknown key")


def test_typo_of_a_required_key_is_named_not_missing() -> None:
    problems, warnings = _check({"connector.class": "file-sink", "topics": "t", "fiel": "f"})
    assert problems == ["config.fiel: unknown key, did you mean 'file'? (file is required)"]
    assert warnings == []


def test_every_error_in_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOPE_ONE", raising=False)
    monkeypatch.delenv("NOPE_TWO", raising=False)
    problems, _ = _check(
        {
            "connector.class": "s3-sink",
            "topics": "t",
            "tasks.max": "lots",
            "flush.size": "big",
            "format.class": "nope",
            "aws.access.key.id": "${env:NOPE_ONE}",
            "aws.secret.access.key": "${env:NOPE_TWO}",
        }
    )
    keys = [line.partition(": ")[0] for line in problems]
    assert keys == [
        "config.aws.access.key.id",
        "config.aws.secret.access.key",
        "config.tasks.max",
        "config.s3.bucket.name",
        "config.format.class",
        "config.flush.size",
    ], problems
    assert "NOPE_ONE" in problems[0] and "NOPE_TWO" in problems[1]


def test_keys_written_by_normalize_are_not_the_users() -> None:
    # Huawei's keys become mirror keys, some of which the replicator does not read itself
    problems, warnings = _check(
        {
            "connector.class": "kafka-replicator",
            "current_cluster_name": "a",
            "cluster_name": "b",
            "current_bootstrap_servers": "a:1",
            "bootstrap_servers": "b:1",
            "topics": "t",
            "replication_factor": 1,
        }
    )
    assert problems == [] and warnings == [], (problems, warnings)
