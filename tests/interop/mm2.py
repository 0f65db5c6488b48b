"""Kafka's own MirrorMaker 2 and Connect standalone, run from the jars as processes.

``MirrorMaker`` is dedicated mode (``org.apache.kafka.connect.mirror.MirrorMaker
mm2.properties``); ``ConnectStandalone`` runs one Kafka connector (here MM2's checkpoint
connector alone). Both log to a file at WARN and are stopped with SIGTERM (then killed).
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from connect.broker.apache import free_port, log_flags
from connect.broker.maven import java

MIRROR_MAKER = "org.apache.kafka.connect.mirror.MirrorMaker"
CONNECT_STANDALONE = "org.apache.kafka.connect.cli.ConnectStandalone"


def write_properties(path: Path, props: Mapping[str, Any]) -> Path:
    path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
    return path


def mm2_properties(
    src: str, dst: str, source: str, target: str, topics: str, **extra: Any
) -> dict[str, Any]:
    """A one-flow (src → dst) dedicated-mode config for single-broker test clusters."""
    props: dict[str, Any] = {
        "clusters": f"{src},{dst}",
        f"{src}.bootstrap.servers": source,
        f"{dst}.bootstrap.servers": target,
        f"{src}->{dst}.enabled": "true",
        f"{src}->{dst}.topics": topics,
        f"{dst}->{src}.enabled": "false",
        "replication.factor": 1,
        "offset-syncs.topic.replication.factor": 1,
        "checkpoints.topic.replication.factor": 1,
        "heartbeats.topic.replication.factor": 1,
        "offset.storage.replication.factor": 1,
        "status.storage.replication.factor": 1,
        "config.storage.replication.factor": 1,
        "offset.flush.interval.ms": 1000,
        "refresh.topics.interval.seconds": 1,
        "refresh.groups.interval.seconds": 1,
        "sync.topic.acls.enabled": "false",
    }
    props.update(extra)
    return props


@contextmanager
def java_process(
    jars: Path, main: str, *args: str, log: Path, heap: str = "512m"
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``main`` from the jars; stop it (SIGTERM, then SIGKILL) on exit."""
    cmd = [java(), f"-Xmx{heap}", "-XX:+UseSerialGC", *log_flags(ready_logger=False)]
    cmd += ["-cp", f"{jars}/*", main, *args]
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[bytes], timeout: float = 20) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def kill(proc: subprocess.Popen[bytes]) -> None:
    """kill -9: MM2 gets no chance to commit what it copied since its last offset flush."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@contextmanager
def mirror_maker(
    jars: Path, folder: Path, props: Mapping[str, Any]
) -> Iterator[subprocess.Popen[bytes]]:
    config = write_properties(folder / "mm2.properties", props)
    with java_process(jars, MIRROR_MAKER, str(config), log=folder / "mm2.log") as proc:
        yield proc


@contextmanager
def connect_standalone(
    jars: Path, folder: Path, bootstrap: str, connector: Mapping[str, Any]
) -> Iterator[subprocess.Popen[bytes]]:
    """Kafka Connect standalone (worker on ``bootstrap``) running one connector."""
    converter = "org.apache.kafka.connect.converters.ByteArrayConverter"
    worker = write_properties(
        folder / "worker.properties",
        {
            "bootstrap.servers": bootstrap,
            "key.converter": converter,
            "value.converter": converter,
            "offset.storage.file.filename": folder / "connect.offsets",
            "offset.flush.interval.ms": 1000,
            "listeners": f"http://127.0.0.1:{free_port()}",
        },
    )
    task = write_properties(folder / "connector.properties", connector)
    log = folder / "connect.log"
    with java_process(jars, CONNECT_STANDALONE, str(worker), str(task), log=log) as proc:
        yield proc


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
