"""The real CLI on a SASL_SSL cluster: internal topics there, records counted, no password
in any log line or REST answer; a wrong password is one clear line, not a traceback."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from connect.broker.apache import ApacheKafka
from tests.helpers.kafka import SESSION_MS, consume, create_topic
from tests.helpers.net import free_port
from tests.helpers.process import WorkerProcess, write_task
from tests.helpers.wait import wait_until

pytestmark = [pytest.mark.system, pytest.mark.kafka]

LINES = 5000


@contextmanager
def _output_on_failure(proc: WorkerProcess) -> Iterator[None]:
    try:
        yield
    except BaseException:
        print(proc.output)
        raise


def _worker_file(path: Path, kafka: ApacheKafka, unique: str, **extra: str) -> Path:
    settings = {
        **kafka.client_settings(sasl=True),
        "offset.storage.topic": f"offsets-{unique}",
        "offset.storage.replication.factor": "1",
        "offset.flush.interval.ms": "300",
        "consumer.session.timeout.ms": str(SESSION_MS),
        "consumer.heartbeat.interval.ms": "300",
        **extra,
    }
    path.write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
    return path


def test_standalone_on_sasl_ssl_moves_every_line_and_hides_the_password(
    tmp_path: Path,
    sasl_ssl_kafka: ApacheKafka,
    kafka_bootstrap: str,
    kafka_target_bootstrap: str,
    unique: str,
) -> None:
    sasl = sasl_ssl_kafka.client_settings(sasl=True)
    password = sasl["sasl.password"]
    topic = f"sasl-{unique}"
    asyncio.run(create_topic(kafka_bootstrap, topic, 2))
    src, out = tmp_path / "in.txt", tmp_path / "out.txt"
    src.write_text("".join(f"line {i}\n" for i in range(LINES)))
    port = free_port()
    worker = _worker_file(
        tmp_path / "worker.properties", sasl_ssl_kafka, unique, listeners=f"http://127.0.0.1:{port}"
    )
    string = {"key.converter": "string", "value.converter": "string"}
    tasks = [
        write_task(
            tmp_path / "src.json",
            f"src-{unique}",
            {"connector.class": "file-source", "file": str(src), "topic": topic, **string},
        ),
        write_task(
            tmp_path / "sink.json",
            f"sink-{unique}",
            {"connector.class": "file-sink", "file": str(out), "topics": topic, **string},
        ),
        write_task(
            tmp_path / "mirror.json",
            f"repl-{unique}",
            {
                "connector.class": "kafka-replicator",
                "current_cluster_name": f"cur-{unique}",
                "current_bootstrap_servers": kafka_target_bootstrap,
                "cluster_name": f"peer-{unique}",
                "bootstrap_servers": sasl["bootstrap.servers"],
                "security_protocol": "SASL_SSL",
                "sasl_mechanism": "SCRAM-SHA-512",
                "user_name": sasl["sasl.username"],
                "password": password,
                "ssl.cafile": sasl["ssl.cafile"],
                "topics_regex": topic,
                "replication_factor": "1",
            },
        ),
    ]
    proc = WorkerProcess(["standalone", str(worker), *map(str, tasks), "--log-format", "json"])
    with proc, _output_on_failure(proc):
        proc.wait_ready(60)
        asyncio.run(
            wait_until(
                lambda: out.exists() and out.read_text().count("\n") >= LINES,
                timeout=90,
                message=f"{LINES} lines through the SASL_SSL cluster",
            )
        )
        mirrored = asyncio.run(
            consume(kafka_target_bootstrap, f"peer-{unique}.{topic}", LINES, timeout=90)
        )
        rest = [
            httpx.get(f"http://127.0.0.1:{port}{path}", timeout=10).text
            for path in (
                f"/connectors/repl-{unique}",
                f"/connectors/repl-{unique}/config",
                f"/connectors/repl-{unique}/status",
                f"/connectors/repl-{unique}/tasks",
            )
        ]
        assert proc.terminate() == 0
    assert sorted(out.read_text().splitlines()) == sorted(f"line {i}" for i in range(LINES))
    assert len(mirrored) == LINES
    for answer in rest:
        assert password not in answer
    assert password not in "\n".join(proc.lines)


def test_wrong_password_for_the_worker_is_one_clear_line(
    tmp_path: Path, sasl_ssl_kafka: ApacheKafka, unique: str
) -> None:
    worker = _worker_file(
        tmp_path / "worker.properties",
        sasl_ssl_kafka,
        unique,
        **{"sasl.password": "not-the-password", "listeners": "none"},
    )
    (tmp_path / "in.txt").write_text("x\n")
    task = write_task(
        tmp_path / "src.json",
        f"src-{unique}",
        {"connector.class": "file-source", "file": str(tmp_path / "in.txt"), "topic": unique},
    )
    proc = WorkerProcess(["standalone", str(worker), str(task), "--log-format", "json"]).start()
    try:
        code = proc.wait(60)
    finally:
        proc.kill()
    output = "\n".join(proc.lines)
    assert code == 1, output
    assert "authentication failed for cluster" in output
    assert "Traceback" not in output
    assert "not-the-password" not in output
