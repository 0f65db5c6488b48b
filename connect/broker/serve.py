"""``smart-connect broker``: a local broker in the foreground until Ctrl-C or SIGTERM."""

from __future__ import annotations

import contextlib
import shutil
import signal
import tempfile
from collections.abc import Callable
from pathlib import Path

from connect.broker import BrokerError

ENGINES = ("tansu", "apache")


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def wait_for_signal() -> None:
    """Block until SIGINT or SIGTERM."""
    stop = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()
    finally:
        signal.signal(signal.SIGTERM, stop)


def serve_tansu(port: int, cluster_id: str, say: Callable[[str], None]) -> None:
    """Tansu, in memory, until a signal."""
    from connect.demo import embedded_broker

    with embedded_broker(cluster_id, port) as bootstrap:
        say(f"Kafka-compatible broker (Tansu, in memory) at {bootstrap}; Ctrl-C stops it")
        wait_for_signal()


def serve_apache(
    port: int,
    version: str | None,
    sasl_ssl: bool,
    data_dir: Path | None,
    say: Callable[[str], None],
) -> None:
    """Apache Kafka from Maven's jars, until a signal; a temporary data dir is removed after."""
    from connect.broker.apache import ApacheKafka

    folder = data_dir or Path(tempfile.mkdtemp(prefix="smart-connect-kafka-"))
    kafka = ApacheKafka(folder, port=port, sasl_ssl=sasl_ssl, version=version)
    say("resolving Apache Kafka jars through Maven (cached after the first time)...")
    try:
        kafka.start()
        say(f"Apache Kafka {kafka.version} (KRaft) at {kafka.bootstrap}, data in {folder}")
        if sasl_ssl:
            s = kafka.client_settings(sasl=True)
            say(
                f"SASL_SSL listener at {s['bootstrap.servers']}: "
                f"user {s['sasl.username']} password {s['sasl.password']} "
                "(SCRAM-SHA-512 and PLAIN)"
            )
            say(f"CA certificate: {s['ssl.cafile']}")
        say("Ctrl-C stops it")
        wait_for_signal()
        say("stopping Apache Kafka...")
    finally:
        kafka.stop()
        if data_dir is None:
            shutil.rmtree(folder, ignore_errors=True)


def serve(
    engine: str,
    port: int,
    cluster_id: str,
    version: str | None,
    sasl_ssl: bool,
    data_dir: Path | None,
    say: Callable[[str], None],
) -> None:
    """Run the chosen engine; user mistakes raise BrokerError with a one-line message."""
    if engine not in ENGINES:
        raise BrokerError(f"--engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if engine == "tansu":
        if sasl_ssl or version or data_dir:
            raise BrokerError("--sasl-ssl, --kafka-version and --data-dir need --engine apache")
        serve_tansu(port, cluster_id, say)
    else:
        serve_apache(port, version, sasl_ssl, data_dir, say)
