"""What metrics cost: throughput with ``metrics.enabled`` true vs false, in one run.

Two workloads, each run alternately with metrics on and off (ABBA order, so drift of a
shared machine hits both alike), on the same filled source topic:

- ``mirror``: a ``smart-connect standalone`` process mirrors 100 B records between two
  Tansu brokers (a fresh target broker per run); with metrics on, ``/metrics`` is
  scraped every second (a busier Prometheus than the usual 15 s);
- ``s3_sink``: an in-process worker archives 1 KB JSON records to a moto S3 server
  (a new consumer group and prefix per run); with metrics on, the Prometheus text is
  rendered every second.

Reported per run: records/s and the worker's CPU seconds while copying (its user+system
time, which other processes on a shared machine do not inflate the way they inflate
wall time). Per mode: median and best records/s, and CPU microseconds per record; the
overhead is ``on / off`` of each; ``within_3_percent`` judges CPU per record (<= 1.03),
``throughput_within_3_percent`` the best runs (>= 0.97), which only a quiet machine makes
meaningful.
The raw baselines of these paths are in ``python -m benchmarks mirror`` and
``s3_sink``. ``python -m benchmarks metrics_overhead [--rounds 2] [--mirror-records N]
[--s3-records N]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx

from benchmarks import mirror as mirror_bench
from benchmarks import s3_sink as s3_bench
from benchmarks.common import emit, fresh_broker, machine, rates

SCRAPE_EVERY_S = 1.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def order(rounds: int) -> list[bool]:
    """ABBA: off, on, on, off, off, on, ... (``True`` = metrics on)."""
    out: list[bool] = []
    for r in range(rounds):
        out += [False, True] if r % 2 == 0 else [True, False]
    return out


@contextlib.asynccontextmanager
async def scraping(
    url: str | None, render: Callable[[], Any] | None = None
) -> AsyncIterator[list[int]]:
    """Scrape ``url``/metrics (or call ``render``) every second while inside."""
    done: list[int] = []

    async def loop() -> None:
        async with httpx.AsyncClient(timeout=5) as http:
            while True:
                await asyncio.sleep(SCRAPE_EVERY_S)
                if url is not None:
                    r = await http.get(f"{url}/metrics")
                    r.raise_for_status()
                    done.append(len(r.content))
                elif render is not None:
                    done.append(len(render()))

    task = asyncio.create_task(loop())
    try:
        yield done
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


# ---------------------------------------------------------------- mirror, 100 B


def _mirror_worker(
    source: str, target: str, workdir: Path, on: bool, port: int
) -> subprocess.Popen[bytes]:
    worker = workdir / "worker.properties"
    worker.write_text(
        f"bootstrap.servers={source}\n"
        "offset.storage.replication.factor=1\n"
        "offset.storage.partitions=1\n"
        f"offset.storage.topic=offsets-{port}\n"
        "offset.flush.interval.ms=5000\n"
        f"listeners=http://127.0.0.1:{port}\n"
        f"metrics.enabled={'true' if on else 'false'}\n"
        "log.progress.interval.ms=0\n"
    )
    task = workdir / "mirror.json"
    task.write_text(
        json.dumps(
            {
                "name": f"bench-mirror-{port}",
                "config": {
                    "connector.class": "mirror-source",
                    "source.cluster.alias": "a",
                    "target.cluster.alias": "b",
                    "source.cluster.bootstrap.servers": source,
                    "target.cluster.bootstrap.servers": target,
                    "topics": mirror_bench.TOPIC,
                    "replication.factor": 1,
                    "offset-syncs.topic.replication.factor": 1,
                    "tasks.max": 1,
                },
            }
        )
    )
    return subprocess.Popen(
        [sys.executable, "-m", "connect.cli", "standalone", str(worker), str(task)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


async def mirror_run(source: str, records: int, on: bool) -> dict[str, Any]:
    with fresh_broker("bench-target") as target, tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        proc = _mirror_worker(source, target, Path(tmp), on, port)
        try:
            remote = f"a.{mirror_bench.TOPIC}"
            await mirror_bench.until(lambda: mirror_bench.topic_exists(target, remote), 0.02)
            await mirror_bench.until(lambda: mirror_bench.true_ends(target, remote), 0.01)
            first = time.perf_counter()
            cpu = cpu_seconds(proc.pid)
            url = f"http://127.0.0.1:{port}" if on else None
            async with scraping(url) as scrapes:
                while (done := await mirror_bench.true_ends(target, remote)) < records:
                    if proc.poll() is not None:
                        raise RuntimeError(f"worker exited with {proc.returncode}")
                    await asyncio.sleep(0.05)
            result = rates(done, 100, time.perf_counter() - first)
            result["cpu_s"] = round(cpu_seconds(proc.pid) - cpu, 3)
            result["scrapes"] = len(scrapes)
            return result
        finally:
            proc.kill()
            proc.wait()


async def mirror_case(records: int, rounds: int) -> dict[str, Any]:
    records -= records % mirror_bench.PARTITIONS
    with fresh_broker("bench-source") as source:
        await mirror_bench.create_topic(source, mirror_bench.TOPIC)
        await mirror_bench.fill(source, records, 100)
        runs = []
        for on in order(rounds):
            run = await mirror_run(source, records, on)
            log(f"mirror 100 B metrics={'on' if on else 'off'}: {run}")
            runs.append({"metrics": on, **run})
    return summarize("mirror", 100, records, runs)


# ---------------------------------------------------------------- S3 sink, 1 KB


async def s3_run(bootstrap: str, endpoint: str, records: int, on: bool, n: int) -> dict[str, Any]:
    from connect.config import WorkerConfig
    from connect.herder.standalone import StandaloneHerder
    from connect.metrics import exposition, registry_for
    from connect.plugins import registry

    worker = WorkerConfig.model_validate(
        {
            "bootstrap.servers": bootstrap,
            "offset.flush.interval.ms": 1000,
            "offset.storage.replication.factor": 1,
            "offset.storage.topic": f"offsets-bench-{n}",
            "listeners": "none",
            "metrics.enabled": on,
        }
    )
    config = {
        "connector.class": "s3-sink",
        "topics": s3_bench.TOPIC,
        "key.converter": "bytes",
        "value.converter": "json",
        "value.converter.schemas.enable": False,
        "s3.bucket.name": s3_bench.BUCKET,
        "topics.dir": f"run-{n}",
        "store.url": endpoint,
        "s3.path.style.access": True,
        "aws.access.key.id": s3_bench.CREDENTIALS["aws_access_key_id"],
        "aws.secret.access.key": s3_bench.CREDENTIALS["aws_secret_access_key"],
        "format.class": "json",
        "flush.size": max(1, s3_bench.OBJECT_BYTES // 1025),
        "consumer.override.session.timeout.ms": 2000,
        "consumer.override.heartbeat.interval.ms": 100,
        "consumer.override.max.partition.fetch.bytes": 4 * 1024 * 1024,
        "consumer.override.fetch.max.bytes": 16 * 1024 * 1024,
    }
    async with StandaloneHerder.running(worker, [], registry=registry()) as herder:
        prom = registry_for(herder.worker)
        started = time.perf_counter()
        cpu = time.process_time()
        await herder.put_connector_config(f"bench-{n}", config, allow_replace=False)
        render: Callable[[], Any] | None = (lambda: exposition(prom)) if on else None
        async with scraping(None, render) as scrapes:
            while True:
                sups = list(herder.worker.tasks.values())
                runner = sups[0].runner if sups else None
                done = sum(getattr(runner, "committed", {}).values()) if runner else 0
                if done >= records:
                    break
                await asyncio.sleep(0.01)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
    result = rates(records, 1024, elapsed)
    result["cpu_s"] = round(cpu, 3)
    result["scrapes"] = len(scrapes)
    return result


async def s3_case(records: int, rounds: int) -> dict[str, Any]:
    with fresh_broker() as bootstrap, s3_bench.moto_server() as endpoint:
        await s3_bench._prepare(bootstrap, records, 1024, 1)
        runs = []
        for n, on in enumerate(order(rounds)):
            run = await s3_run(bootstrap, endpoint, records, on, n)
            log(f"s3_sink 1 KB metrics={'on' if on else 'off'}: {run}")
            runs.append({"metrics": on, **run})
    return summarize("s3_sink", 1024, records, runs)


def summarize(name: str, size: int, records: int, runs: list[dict[str, Any]]) -> dict[str, Any]:
    on = [r["records_per_s"] for r in runs if r["metrics"]]
    off = [r["records_per_s"] for r in runs if not r["metrics"]]
    cpu_on = [r["cpu_s"] / records * 1e6 for r in runs if r["metrics"]]
    cpu_off = [r["cpu_s"] / records * 1e6 for r in runs if not r["metrics"]]
    median = statistics.median(on) / statistics.median(off)
    best = max(on) / max(off)
    cpu = statistics.median(cpu_on) / statistics.median(cpu_off)
    return {
        "workload": name,
        "record_bytes": size,
        "records": records,
        "runs": runs,
        "median_records_per_s": {
            "on": round(statistics.median(on)),
            "off": round(statistics.median(off)),
        },
        "best_records_per_s": {"on": max(on), "off": max(off)},
        "cpu_us_per_record": {
            "on": round(statistics.median(cpu_on), 2),
            "off": round(statistics.median(cpu_off), 2),
        },
        "ratio_on_to_off": {
            "median_throughput": round(median, 3),
            "best_throughput": round(best, 3),
            "cpu_per_record": round(cpu, 3),
        },
        # CPU per record is the verdict: on a shared machine wall time swings far more
        # than 3% between consecutive runs, the worker's own CPU time much less
        "within_3_percent": cpu <= 1.03,
        "throughput_within_3_percent": best >= 0.97,
    }


def main() -> None:
    import logging

    import structlog

    # the in-process S3 worker logs through structlog: keep stdout for the JSON result
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="ABBA rounds (2 runs each)")
    parser.add_argument("--mirror-records", type=int, default=900_000)
    per_object = s3_bench.OBJECT_BYTES // 1025
    parser.add_argument("--s3-records", type=int, default=per_object * 24)
    args = parser.parse_args()
    if args.s3_records % per_object:
        # the sink writes an object per 8 MB: a partial last one waits for a flush forever
        parser.error(f"--s3-records must be a multiple of {per_object} (whole objects)")
    results = [
        asyncio.run(mirror_case(args.mirror_records, args.rounds)),
        asyncio.run(s3_case(args.s3_records, args.rounds)),
    ]
    emit({"benchmark": "metrics_overhead", "machine": machine(), "results": results})


if __name__ == "__main__":
    main()
