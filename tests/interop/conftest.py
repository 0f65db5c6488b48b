"""Interop with Kafka's own MirrorMaker 2 code: single-file Java programs on its jars.

The jars come from the ``kafka_jars`` fixture (Maven Central, cached); the programs in
``java/`` run with ``java -cp '<jars>/*' Prog.java args`` (no build tool).
"""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

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
