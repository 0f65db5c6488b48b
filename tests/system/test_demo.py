"""``smart-connect demo`` leaves the user's folders as it found them, run after run."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.process import CLI, WorkerProcess
from tests.helpers.wait import wait_until

pytestmark = pytest.mark.system

ARGS = ["demo", "--records", "300", "--no-mirror", "--no-s3"]


def _lines(path: Path) -> int:
    return len(path.read_text().splitlines())


def test_a_second_run_starts_clean(tmp_path: Path) -> None:
    out = tmp_path / "demo-output" / "demo-orders.jsonl"
    for _ in range(2):
        result = subprocess.run(
            [*CLI, *ARGS], cwd=tmp_path, capture_output=True, text=True, timeout=240
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "demo complete" in result.stdout
        assert _lines(out) == 300  # not 600: the second run did not append to the first


@pytest.mark.parametrize(
    ("sig", "ignored_on_start", "code"),
    [
        (signal.SIGINT, False, 130),  # Ctrl-C
        (signal.SIGINT, True, 130),  # a background job of a script starts with SIGINT ignored
        (signal.SIGTERM, False, 143),  # kill
    ],
    ids=["sigint", "sigint-ignored-on-start", "sigterm"],
)
def test_an_interrupted_demo_says_so(
    tmp_path: Path, sig: signal.Signals, ignored_on_start: bool, code: int
) -> None:
    out = tmp_path / "out"
    endless = ["demo", "--records", "1000000000", "--no-mirror", "--no-s3", "--output", str(out)]
    proc = WorkerProcess(endless)
    # a disposition passes to the child through fork and exec; SIG_DFL because this test
    # may itself run where SIGINT is ignored
    with _sigint_set_to(signal.SIG_IGN if ignored_on_start else signal.SIG_DFL):
        proc.start()
    try:
        proc.wait_for_log("embedded Kafka broker", 60)
        # the jobs run: records reach the file
        asyncio.run(wait_until(lambda: _size(out / "demo-orders.jsonl") > 0, timeout=60))
        assert proc.proc is not None
        proc.proc.send_signal(sig)
        assert proc.wait(60) == code
    finally:
        proc.kill()
    assert "demo interrupted" in proc.output
    assert "Traceback" not in proc.output


@contextlib.contextmanager
def _sigint_set_to(disposition: signal.Handlers) -> Iterator[None]:
    """SIGINT's disposition in this process for the block, restored after."""
    before = signal.signal(signal.SIGINT, disposition)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0
