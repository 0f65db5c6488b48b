from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from connectors.s3.verify import app, sink_config, task_topics


def test_sink_config_reads_both_vocabularies() -> None:
    s3 = sink_config({"connector.class": "s3-sink", "s3.bucket.name": "b", "topics.dir": "x"})
    assert s3.bucket == "b" and s3.prefix() == "x/"
    obs = sink_config(
        {"connector.class": "obs-sink", "obs_bucket_name": "d", "obs_path": "dump/", "topics": "t"}
    )
    assert obs.bucket == "d" and obs.prefix() == "dump/" and not obs.path_include_topic


def test_task_topics() -> None:
    names, regex = task_topics({"topics": "a, b"})
    assert names == {"a", "b"} and regex is None
    names, regex = task_topics({"topics.regex": "logs-.*"})
    assert not names and regex is not None and regex.fullmatch("logs-1")


def test_invalid_task_file_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "t.json"
    bad.write_text(json.dumps({"name": "x", "config": {"connector.class": "s3-sink"}}))
    result = CliRunner().invoke(app, ["verify", str(bad), "-b", "127.0.0.1:1"])
    assert result.exit_code == 2
    assert "s3.bucket.name" in result.output
