"""Write ``tasks/task.schema.json`` (``python -m connect.schema``)."""

import json
from pathlib import Path

from connect.config import task_json_schema

if __name__ == "__main__":
    out = Path(__file__).parents[1] / "tasks" / "task.schema.json"
    out.write_text(json.dumps(task_json_schema(), indent=2, sort_keys=True) + "\n")
    print(f"wrote {out}")
