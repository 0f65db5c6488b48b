"""Run ``smart-connect`` as a real subprocess: start, wait until ready, kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

CLI = [sys.executable, "-m", "connect.cli"]


def write_worker_config(path: Path, bootstrap: str, **extra: Any) -> Path:
    """A worker ``.properties`` file; ``extra`` keys use ``_`` for ``.``."""
    settings = {"bootstrap.servers": bootstrap, "offset.flush.interval.ms": "500"}
    settings.update({k.replace("_", "."): str(v) for k, v in extra.items()})
    path.write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
    return path


def write_task(path: Path, name: str, config: Mapping[str, Any]) -> Path:
    path.write_text(json.dumps({"name": name, "config": dict(config)}, indent=2))
    return path


class WorkerProcess:
    """One ``smart-connect`` process; its JSON log lines are collected as they come."""

    def __init__(self, args: Sequence[str], env: Mapping[str, str] | None = None) -> None:
        self.args = [*CLI, *args]
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen[str] | None = None
        self.lines: list[str] = []
        self._cond = threading.Condition()

    def start(self) -> WorkerProcess:
        self.proc = subprocess.Popen(
            self.args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=self.env
        )
        threading.Thread(target=self._pump, daemon=True).start()
        return self

    def _pump(self) -> None:
        assert self.proc and self.proc.stdout
        for line in self.proc.stdout:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()

    def events(self) -> list[dict[str, Any]]:
        out = []
        with self._cond:
            lines = list(self.lines)
        for line in lines:
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
        return out

    def wait_for_log(self, text: str, timeout: float = 30.0) -> str:
        """Block until a log line contains ``text`` (fails early if the process exits)."""
        deadline = time.monotonic() + timeout
        seen = 0
        with self._cond:
            while True:
                for line in self.lines[seen:]:
                    if text in line:
                        return line
                seen = len(self.lines)
                if self.proc and self.proc.poll() is not None:
                    raise RuntimeError(f"process exited ({self.proc.returncode}):\n{self.output}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no log line with {text!r} in {timeout}s:\n{self.output}")
                self._cond.wait(min(remaining, 0.2))

    def wait_ready(self, timeout: float = 30.0) -> WorkerProcess:
        self.wait_for_log("worker started", timeout)
        return self

    def kill(self) -> None:
        """kill -9."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def terminate(self, timeout: float = 30.0) -> int:
        """SIGTERM and wait for the exit code."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def wait(self, timeout: float = 60.0) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout)

    @property
    def output(self) -> str:
        with self._cond:
            return "\n".join(self.lines[-200:])

    def __enter__(self) -> WorkerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.kill()


def run_cli(*args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    """Run a short CLI command to completion."""
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout)
