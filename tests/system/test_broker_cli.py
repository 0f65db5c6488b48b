"""``smart-connect broker --engine apache``, run as a person runs it: a real Apache Kafka
(KRaft, from Maven's jars) with a SASL_SSL listener, used, then stopped with SIGTERM; and
the one-line error when Java is missing."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from tests.helpers.kafka import consume, create_topic, produce
from tests.helpers.net import free_port
from tests.helpers.process import WorkerProcess

pytestmark = pytest.mark.system


async def test_apache_broker_serves_until_sigterm(
    kafka_jars: Path, tmp_path: Path, unique: str
) -> None:
    port = free_port()
    data = tmp_path / "data"
    args = ["broker", "--engine", "apache", "--port", str(port), "--sasl-ssl"]
    broker = WorkerProcess([*args, "--data-dir", str(data)]).start()
    try:
        broker.wait_for_log("Ctrl-C stops it", timeout=180)
        ca = broker.wait_for_log("CA certificate:").split("CA certificate:", 1)[1].strip()
        assert await asyncio.to_thread(Path(ca).is_file), ca
        sasl = broker.wait_for_log("SASL_SSL listener at")
        assert "SCRAM-SHA-512" in sasl and "password" in sasl
        bootstrap = f"127.0.0.1:{port}"
        topic = f"cli-{unique}"
        await create_topic(bootstrap, topic)
        await produce(bootstrap, topic, [(b"k", b"v")])
        got = await consume(bootstrap, topic, 1)
        assert [(m.key, m.value) for m in got] == [(b"k", b"v")]
        assert broker.terminate(timeout=60) == 0, broker.output
    finally:
        broker.kill()
    assert "stopping Apache Kafka" in broker.output
    assert "Traceback" not in broker.output
    assert any(data.iterdir()), "--data-dir keeps the data"


def test_apache_broker_without_java_says_what_to_install(tmp_path: Path) -> None:
    # only the interpreter's own folder on PATH: no java, no mvn
    env = {"PATH": str(Path(sys.executable).parent)}
    port = str(free_port())
    run = WorkerProcess(
        ["broker", "--engine", "apache", "--port", port, "--data-dir", str(tmp_path)], env=env
    ).start()
    code = run.wait(timeout=60)
    lines = [line for line in run.output.splitlines() if line.strip()]
    assert code == 1, run.output
    assert "Traceback" not in run.output
    error = [line for line in lines if line.startswith("error")]
    assert len(error) == 1, lines
    assert "not found on PATH: install" in error[0], error
