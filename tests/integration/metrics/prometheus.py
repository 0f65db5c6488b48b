"""A real Prometheus server (Debian's ``prometheus`` package) for the metrics tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers.net import free_port, wait_for_port

SCRAPE_INTERVAL = "1s"


def binary(name: str = "prometheus") -> str:
    """The path of ``name``; skips without it, unless in CI (where it must be installed)."""
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is not installed (apt-get install prometheus)")
        pytest.skip(f"{name} is not installed (apt-get install prometheus)")
    return found


class Prometheus:
    """One Prometheus process scraping ``targets`` every second."""

    def __init__(self, workdir: Path, targets: list[str], rules: Path | None = None) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = workdir / "prometheus.yml"
        lines = [
            "global:",
            f"  scrape_interval: {SCRAPE_INTERVAL}",
            f"  evaluation_interval: {SCRAPE_INTERVAL}",
        ]
        if rules is not None:
            lines += ["rule_files:", f"  - {rules}"]
        lines += [
            "scrape_configs:",
            "  - job_name: smart-connect",
            "    static_configs:",
            f"      - targets: [{', '.join(repr(t) for t in targets)}]",
        ]
        config.write_text("\n".join(lines) + "\n")
        self.config = config
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Prometheus:
        log = (self.workdir / "prometheus.log").open("wb")
        self.proc = subprocess.Popen(
            [
                binary(),
                f"--config.file={self.config}",
                f"--storage.tsdb.path={self.workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port, timeout=30)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    async def query(self, promql: str) -> list[dict[str, Any]]:
        """The instant vector of ``promql`` (``[{"metric": {...}, "value": [t, "v"]}]``)."""
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as http:
            r = await http.get("/api/v1/query", params={"query": promql, "time": time.time()})
        r.raise_for_status()
        body = r.json()
        assert body["status"] == "success", body
        result: list[dict[str, Any]] = body["data"]["result"]
        return result

    async def targets_up(self) -> bool:
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as http:
            r = await http.get("/api/v1/targets")
        active = r.json()["data"]["activeTargets"]
        return bool(active) and all(t["health"] == "up" for t in active)
