"""Shared benchmark helpers: a fresh broker per run, timing, peak memory, JSON output."""

from __future__ import annotations

import contextlib
import json
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MB (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


@contextlib.contextmanager
def fresh_broker(cluster_id: str = "bench") -> Iterator[str]:
    """A new Tansu broker (it never frees memory, so every run gets its own)."""
    from connect.demo import embedded_broker

    with embedded_broker(cluster_id) as bootstrap:
        yield bootstrap


def run_case(module: str, **args: Any) -> dict[str, Any]:
    """Run one measurement in its own process so its peak RSS is its own."""
    argv = [sys.executable, "-m", module, "--case-json", json.dumps(args)]
    out = subprocess.run(argv, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{module} {args} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def rates(records: int, size: int, seconds: float) -> dict[str, float]:
    return {
        "records_per_s": round(records / seconds),
        "mb_per_s": round(records * size / seconds / 1e6, 2),
        "seconds": round(seconds, 3),
    }


def machine() -> dict[str, Any]:
    import os

    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def emit(result: dict[str, Any]) -> None:
    print(json.dumps(result, indent=2))
