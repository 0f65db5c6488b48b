"""Interop with Kafka's own MirrorMaker 2 code: single-file Java programs on its jars.

The jars come from the ``kafka_jars`` fixture (Maven Central, cached); the programs in
``java/`` run with ``java -cp '<jars>/*' Prog.java args`` (no build tool).
"""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest

JAVA_DIR = Path(__file__).resolve().parent / "java"


def _run(jars: Path, program: str, args: tuple[str, ...], stdin: str, timeout: float) -> str:
    done = subprocess.run(
        [
            "java",
            "-Xmx256m",
            "-Dlog4j2.level=WARN",
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
            "-cp",
            f"{jars}/*",
            str(JAVA_DIR / program),
            *args,
        ],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"{program} exited {done.returncode}: {done.stderr[-2000:]}")
    return done.stdout


async def run_java(
    jars: Path, program: str, *args: str, stdin: str = "", timeout: float = 120
) -> list[str]:
    """Run ``java/<program>`` against the jars; its stdout lines."""
    out = await asyncio.to_thread(_run, jars, program, args, stdin, timeout)
    return [line for line in out.splitlines() if line.strip()]


def decode_lines(kind: str, records: list[tuple[bytes, bytes]]) -> str:
    """Stdin of ``Decode.java``: one ``<kind> <key hex> <value hex>`` line per record."""
    return "".join(f"{kind} {k.hex()} {v.hex()}\n" for k, v in records)


def _version_of(jars: Path, artifact: str) -> str | None:
    found = sorted(jars.glob(f"{artifact}-[0-9]*.jar"))
    return found[-1].name[len(artifact) + 1 : -len(".jar")] if found else None


@pytest.fixture(scope="session")
def mm2_jars(kafka_jars: Path) -> Path:
    """Jars where MirrorMaker 2 and the clients are one release (it runs their Connect).

    The newest 4.x of every artifact is not always one release (connect-mirror can lag
    kafka-clients); then the whole set of connect-mirror's release is resolved.
    """
    from connect.broker.maven import kafka_jars as resolve

    mirror = _version_of(kafka_jars, "connect-mirror")
    if mirror is None or mirror == _version_of(kafka_jars, "kafka-clients"):
        return kafka_jars
    return resolve(mirror)
