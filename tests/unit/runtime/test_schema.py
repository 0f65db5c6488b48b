"""The JSON Schema of the task shape in tasks/ is generated from TaskSpec and kept current."""

import json
import re
from pathlib import Path

import pytest

from connect.config import load_task_file, task_json_schema
from connect.plugins import registry
from connect.validation import check_config

SCHEMA = Path(__file__).parents[3] / "tasks" / "task.schema.json"


def test_task_schema_is_current() -> None:
    expected = json.dumps(task_json_schema(), indent=2, sort_keys=True) + "\n"
    assert SCHEMA.read_text() == expected, "regenerate: python -m connect.schema"


def test_every_example_task_validates(monkeypatch: pytest.MonkeyPatch) -> None:
    for path in sorted(SCHEMA.parent.glob("*.json")):
        if path.name == "task.schema.json":
            continue
        for var in re.findall(r"\$\{env:([A-Za-z0-9_]+)\}", path.read_text()):
            monkeypatch.setenv(var, "example")
        _, config = load_task_file(path)
        checked = check_config(config, registry())
        assert checked.ok, (path.name, checked.problems)
