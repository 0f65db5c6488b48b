"""The example dashboard and alert rules use only metric names the worker exposes."""

from __future__ import annotations

import json
import re
from pathlib import Path

from connect.metrics import names
from connectors.kafka_mirror import metrics as mirror
from connectors.s3 import metrics as s3

EXAMPLES = Path(__file__).parents[3] / "examples" / "monitoring"
NAME = re.compile(r"\b(?:kafka_connect|smart_connect)_[a-z0-9_]+")
STATS = ("", "_min", "_max", "_avg")


def exposed() -> set[str]:
    out = {m.name for m in names.RUNTIME}
    out |= {
        names.MIRROR_RECORD_COUNT,
        names.MIRROR_RECORD_RATE,
        names.MIRROR_BYTE_COUNT,
        names.MIRROR_BYTE_RATE,
        names.S3_OBJECTS,
        names.S3_BYTES,
        names.S3_OPEN_FILES,
        names.S3_BUFFERED_BYTES,
    }
    for base in (
        names.MIRROR_RECORD_AGE,
        names.MIRROR_REPLICATION_LATENCY,
        names.MIRROR_CHECKPOINT_LATENCY,
    ):
        out |= {base + s for s in STATS}
    out |= {names.S3_UPLOAD_LATENCY + s for s in ("_bucket", "_sum", "_count")}
    return out


def test_dashboard_and_rules_name_only_exposed_metrics() -> None:
    dashboard = json.loads((EXAMPLES / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    exprs += [q["query"] for q in dashboard["templating"]["list"] if "query" in q]
    used = {n for e in exprs for n in NAME.findall(e)}
    used |= set(NAME.findall((EXAMPLES / "prometheus-rules.yml").read_text()))
    assert used, "the examples name metrics"
    assert used <= exposed(), sorted(used - exposed())


def test_plugin_metric_names_match_the_registry() -> None:
    assert mirror.SOURCE + "_record_count" == names.MIRROR_RECORD_COUNT
    assert mirror.CHECKPOINT + "_checkpoint_latency_ms" == names.MIRROR_CHECKPOINT_LATENCY
    assert mirror.LABELS == names.MIRROR_LABELS
    source = Path(s3.__file__).read_text()
    for name in (names.S3_OBJECTS, names.S3_BYTES, names.S3_OPEN_FILES, names.S3_BUFFERED_BYTES):
        assert f'"{name}"' in source
    assert f'"{names.S3_UPLOAD_LATENCY}"' in source
