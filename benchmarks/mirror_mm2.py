"""Side by side with Kafka's MirrorMaker 2: ``python -m benchmarks mirror --peer mm2``.

On one fresh Apache Kafka pair per record size (the brokers of ``smart-connect broker``),
in the same run and on the same source topic (3 partitions, one task each):

- ``consume_only``: aiokafka reading the source topic (the ceiling of any mirror);
- ``smart_connect``: one ``smart-connect standalone`` process with ``mirror-source`` as
  configured by default (batch pass-through, small batches joined);
- ``smart_connect_record_path``: the same with ``mirror.passthrough=false`` (records
  decoded and re-batched);
- ``mm2_default``: Kafka's MirrorMaker 2 (dedicated mode, from the same jars), defaults;
- ``mm2_tuned``: the same with 1 MB producer batches, linger 10 ms, 10k poll records.

Each contender mirrors under its own source alias (so into its own remote topics) and
is measured for: copy rate (first to last record on the target), time from process
start to the first record, p50/p99 latency at a fixed rate (10k rec/s), CPU seconds of
the worker process per million records copied, and its peak RSS. Checkpoints and
heartbeats are off on both sides: this measures the copy path. Ratios are
smart-connect's over MM2's.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.common import emit, machine, rates
from benchmarks.mirror import (
    LATENCY_SECONDS,
    TOPIC,
    consume_only,
    create_topic,
    fill,
    latency,
    peak_rss_of,
    start_worker,
    topic_exists,
    true_ends,
    until,
)

TUNED = {"batch.size": 1024 * 1024, "linger.ms": 10, "max.poll.records": 10_000}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def mm2_jars() -> Path:
    """Jars where connect-mirror and kafka-clients are one release (newest such)."""
    from connect.broker.maven import kafka_jars

    jars = kafka_jars()
    mirror = sorted(jars.glob("connect-mirror-[0-9]*.jar"))
    clients = sorted(jars.glob("kafka-clients-[0-9]*.jar"))
    if mirror and clients:
        version = mirror[-1].name[len("connect-mirror-") : -len(".jar")]
        if version != clients[-1].name[len("kafka-clients-") : -len(".jar")]:
            return kafka_jars(version)
    return jars


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def apache_pair(workdir: Path, version: str) -> Iterator[tuple[str, str]]:
    from connect.broker.apache import ApacheKafka

    with (
        ApacheKafka(workdir / "a", version=version) as a,
        ApacheKafka(workdir / "b", version=version) as b,
    ):
        yield a.bootstrap, b.bootstrap


def start_mm2(
    jars: Path, workdir: Path, source: str, target: str, alias: str, tuned: bool
) -> subprocess.Popen[bytes]:
    from tests.interop.mm2 import MIRROR_MAKER, mm2_properties, write_properties

    dst = f"{alias}-target"
    props = mm2_properties(
        alias,
        dst,
        source,
        target,
        f"{TOPIC},latency-{alias}",
        **{
            "emit.checkpoints.enabled": "false",
            "emit.heartbeats.enabled": "false",
            "sync.group.offsets.enabled": "false",
            "tasks.max": 1,
            "refresh.topics.interval.seconds": 600,
        },
    )
    if tuned:
        props[f"{dst}.producer.batch.size"] = TUNED["batch.size"]
        props[f"{dst}.producer.linger.ms"] = TUNED["linger.ms"]
        props[f"{alias}.consumer.max.poll.records"] = TUNED["max.poll.records"]
    config = write_properties(workdir / f"mm2-{alias}.properties", props)
    from connect.broker.apache import log_flags
    from connect.broker.maven import java

    cmd = [java(), "-Xmx512m", *log_flags(ready_logger=False), "-cp", f"{jars}/*"]
    with (workdir / f"mm2-{alias}.log").open("ab") as out:
        return subprocess.Popen(
            [*cmd, MIRROR_MAKER, str(config)],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


async def contender(
    start: Callable[[], subprocess.Popen[bytes]],
    source: str,
    target: str,
    alias: str,
    records: int,
    size: int,
    rate: int,
) -> dict[str, Any]:
    """Start a mirror process, time its copy of ``TOPIC``, then its latency at ``rate``."""
    remote = f"{alias}.{TOPIC}"
    started = time.perf_counter()
    proc = start()
    try:
        await until(lambda: topic_exists(target, remote), 0.05)
        await until(lambda: true_ends(target, remote), 0.01)
        first = time.perf_counter()
        cpu_first = cpu_seconds(proc.pid)
        while (done := await true_ends(target, remote)) < records:
            if proc.poll() is not None:
                raise RuntimeError(f"{alias} exited with {proc.returncode}")
            await asyncio.sleep(0.05)
        finished = time.perf_counter()
        cpu_copy = cpu_seconds(proc.pid) - cpu_first
        result: dict[str, Any] = {
            **rates(done, size, finished - first),
            "first_record_s": round(first - started, 3),
            "cpu_s_per_million": round(cpu_copy / done * 1e6, 2),
            "cpu_s_per_gb": round(cpu_copy / (done * size / 1e9), 2),
            "cpu_s_startup": round(cpu_first, 2),
        }
        lat_topic = f"latency-{alias}"
        await until(lambda: topic_exists(target, f"{alias}.{lat_topic}"), 0.05)
        result["latency"] = await latency(
            source, target, f"{alias}.{lat_topic}", rate, LATENCY_SECONDS, size, lat_topic
        )
        result["peak_rss_mb"] = peak_rss_of(proc.pid)
        return result
    finally:
        _kill(proc)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """kill -9 the process (and its group, when it leads one: MM2 runs in its own)."""
    if proc.poll() is None:
        try:
            if os.getpgid(proc.pid) == proc.pid:
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.kill()
        except ProcessLookupError:
            pass
    proc.wait()


async def run_size(jars: Path, size: int, records: int, rate: int) -> dict[str, Any]:
    records -= records % 3
    with tempfile.TemporaryDirectory() as tmp, apache_pair(Path(tmp), jars.parent.name) as (a, b):
        work = Path(tmp)
        await create_topic(a, TOPIC)
        for alias in ("sc", "rp", "mm2d", "mm2t"):
            await create_topic(a, f"latency-{alias}")
        await fill(a, records, size)
        log(f"{size} B: {records} records written")
        out: dict[str, Any] = {"record_bytes": size, "records": records, "partitions": 3}
        out["consume_only"] = await consume_only(a, records, size)
        log(f"consume-only: {out['consume_only']}")
        for alias, key, passthrough in (
            ("sc", "smart_connect", None),
            ("rp", "smart_connect_record_path", False),
        ):
            out[key] = await contender(
                lambda alias=alias, passthrough=passthrough: start_worker(  # type: ignore[misc]
                    a, b, work, alias, f"{TOPIC},latency-{alias}", passthrough
                ),
                a,
                b,
                alias,
                records,
                size,
                rate,
            )
            log(f"{key}: {out[key]}")
        for alias, key, tuned in (("mm2d", "mm2_default", False), ("mm2t", "mm2_tuned", True)):
            out[key] = await contender(
                lambda alias=alias, tuned=tuned: start_mm2(jars, work, a, b, alias, tuned),  # type: ignore[misc]
                a,
                b,
                alias,
                records,
                size,
                rate,
            )
            log(f"{key}: {out[key]}")
    consumed = out["consume_only"]["records_per_s"]
    for mine, prefix in (("smart_connect", ""), ("smart_connect_record_path", "record_path_")):
        sc = out[mine]
        for key in ("mm2_default", "mm2_tuned"):
            peer = out[key]
            out[f"{prefix}ratio_to_{key}"] = {
                "copy_rate": round(sc["records_per_s"] / peer["records_per_s"], 2),
                "first_record": round(peer["first_record_s"] / sc["first_record_s"], 2),
                "cpu_per_record": round(peer["cpu_s_per_million"] / sc["cpu_s_per_million"], 2),
            }
        out[f"{prefix}ratio_to_consume_only"] = round(sc["records_per_s"] / consumed, 2)
    return out


def main(sizes: list[int], records_100: int, records_1024: int, rate: int) -> None:
    jars = mm2_jars()
    log(f"Apache Kafka and MirrorMaker 2 {jars.parent.name}")
    results = []
    for size in sizes:
        records = records_100 if size <= 100 else records_1024
        results.append(asyncio.run(run_size(jars, size, records, rate)))
    emit(
        {
            "benchmark": "mirror",
            "peer": "mm2",
            "kafka": jars.parent.name,
            "machine": machine(),
            "tuned_mm2": TUNED,
            "results": results,
        }
    )


if __name__ == "__main__":
    sys.exit("run it as: python -m benchmarks mirror --peer mm2")
