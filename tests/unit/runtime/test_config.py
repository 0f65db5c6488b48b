"""Worker config files, config providers and error messages."""

import json
from pathlib import Path

import pytest

from connect.config import (
    InvalidConfig,
    load_task_file,
    load_worker_config,
    parse_properties,
    resolve_all,
)


def test_properties_parsing() -> None:
    text = "# comment\n! also\nbootstrap.servers = a:1,b:2\nkey: value\nlong=one \\\n  two\n"
    assert parse_properties(text) == {
        "bootstrap.servers": "a:1,b:2",
        "key": "value",
        "long": "one two",
    }


def test_worker_config_properties_and_passthrough(tmp_path: Path) -> None:
    path = tmp_path / "w.properties"
    path.write_text("bootstrap.servers=k:9092\nproducer.linger.ms=7\nconsumer.fetch.max.bytes=9\n")
    config = load_worker_config(path)
    assert config.bootstrap_servers == "k:9092"
    assert config.offset_storage_topic == "connect-offsets"
    assert config.prefixed("producer.") == {"linger.ms": "7"}
    assert config.prefixed("consumer.") == {"fetch.max.bytes": "9"}


def test_env_and_file_providers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SC_PASSWORD", "s3cret")
    secrets = tmp_path / "secrets.properties"
    secrets.write_text("user=alice\n")
    resolved = resolve_all(
        {
            "sasl.password": "${env:SC_PASSWORD}",
            "sasl.username": f"${{file:{secrets}:user}}",
        }
    )
    assert resolved == {"sasl.password": "s3cret", "sasl.username": "alice"}


def test_missing_env_names_the_key() -> None:
    with pytest.raises(Exception, match=r"sasl.password: environment variable NOPE_X is not set"):
        resolve_all({"sasl.password": "${env:NOPE_X}"})


def test_worker_config_errors_name_keys(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_text(
        json.dumps(
            {
                "bootstrap.servers": "k:1",
                "security.protocol": "TLS",
                "offset.flush.interval.ms": "x",
            }
        )
    )
    with pytest.raises(InvalidConfig) as info:
        load_worker_config(path)
    text = "\n".join(info.value.problems)
    assert "security.protocol" in text and "offset.flush.interval.ms" in text


def test_sasl_needs_credentials() -> None:
    with pytest.raises(InvalidConfig, match=r"sasl\.mechanism, sasl\.username and sasl\.password"):
        load_worker_config(None, {"bootstrap.servers": "k:1", "security.protocol": "SASL_SSL"})


def test_task_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x", "config": {')
    with pytest.raises(InvalidConfig, match="invalid JSON at line 1"):
        load_task_file(bad)
    wrong = tmp_path / "wrong.json"
    wrong.write_text(
        json.dumps({"name": "x", "config": {"connector.class": "file-sink", "tasks.max": "many"}})
    )
    # the file's shape is fine: its values are checked with the rest (check_config)
    assert load_task_file(wrong) == ("x", {"connector.class": "file-sink", "tasks.max": "many"})


def test_flat_task_file_is_accepted(tmp_path: Path) -> None:
    flat = tmp_path / "flat.json"
    flat.write_text(json.dumps({"name": "x", "connector.class": "file-sink", "topics": "t"}))
    assert load_task_file(flat) == ("x", {"connector.class": "file-sink", "topics": "t"})


def test_worker_config_reports_every_unresolved_reference(tmp_path: Path) -> None:
    path = tmp_path / "w.properties"
    path.write_text("bootstrap.servers=${env:NOPE_A}\nsasl.password=${env:NOPE_B}\n")
    with pytest.raises(InvalidConfig) as info:
        load_worker_config(path)
    text = "\n".join(info.value.problems)
    assert "NOPE_A" in text and "NOPE_B" in text


def test_worker_config_unknown_keys(tmp_path: Path) -> None:
    path = tmp_path / "w.properties"
    path.write_text(
        "bootstrap.servers=k:1\nofset.flush.interval.ms=5\nproducer.linger.ms=1\n"
        "rest.auth.token=t\nconfig.unknown.keys=error\n"
    )
    config = load_worker_config(path)
    assert config.config_unknown_keys == "error"
    assert [(u.key, u.suggestion) for u in config.unknown_keys()] == [
        ("ofset.flush.interval.ms", "offset.flush.interval.ms")
    ]
