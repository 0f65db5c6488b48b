"""Apache Kafka 4.x on loopback: KRaft nodes (broker+controller) run from Maven's jars.

One ``ApacheKafka`` is one cluster of ``nodes`` processes, each both broker and controller,
formatted on first start and restarted on the same ports and data (so a kill -9 and a
restart is a real broker fault). A data dir used before is the same cluster again (its id
and SASL user are kept there), on fresh ports.

Settings are Kafka's stock ones; a single node only lowers the internal topics'
replication to 1, as Kafka's own ``config/server.properties`` does, and every cluster
refuses auto-created topics (the runtime must create what it uses). ``sasl_ssl=True`` adds
a SASL_SSL listener (SCRAM-SHA-512 and PLAIN, one user) with a certificate from a CA made
for it.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from connect.broker import BrokerError
from connect.broker.certs import TlsFiles, make_tls
from connect.broker.maven import java, kafka_jars

HOST = "127.0.0.1"
#: The SASL_SSL listener's name, the only one in its certificate: clients that connect by
#: IP address fail the hostname check unless they turn it off, as with a real broker.
TLS_HOST = "localhost"
READY_LINE = "Kafka Server started"


def log_flags(level: str = "warn", ready_logger: bool = True) -> list[str]:
    """JVM flags for the SLF4J simple logger of the jars' classpath (it writes to stderr)."""
    flags = [
        f"-Dorg.slf4j.simpleLogger.defaultLogLevel={level}",
        "-Dorg.slf4j.simpleLogger.showDateTime=true",
    ]
    if ready_logger:
        flags.append("-Dorg.slf4j.simpleLogger.log.kafka.server.KafkaRaftServer=info")
    return flags


def free_port(host: str = HOST) -> int:
    """A port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class SaslUser:
    """The SASL_SSL listener's user; the same name and password for SCRAM-SHA-512 and PLAIN."""

    username: str
    password: str


class KafkaNode:
    """One broker+controller process of a cluster."""

    def __init__(self, cluster: ApacheKafka, node_id: int, port: int) -> None:
        self.cluster = cluster
        self.node_id = node_id
        self.port = port
        self.controller_port = free_port()
        self.sasl_port = free_port() if cluster.sasl_ssl else None
        self.folder = cluster.data_dir / f"node-{node_id}"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"{HOST}:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.folder / "server.log"

    def properties(self) -> dict[str, str]:
        """This node's server.properties."""
        c = self.cluster
        replicas = str(min(3, c.nodes))
        min_isr = str(min(2, c.nodes))
        listeners = [f"PLAINTEXT://{HOST}:{self.port}"]
        advertised = list(listeners)
        if self.sasl_port is not None:
            listeners.append(f"SASL_SSL://{HOST}:{self.sasl_port}")
            advertised.append(f"SASL_SSL://{TLS_HOST}:{self.sasl_port}")
        props = {
            "process.roles": "broker,controller",
            "node.id": str(self.node_id),
            "controller.quorum.voters": c.voters,
            "listeners": ",".join([*listeners, f"CONTROLLER://{HOST}:{self.controller_port}"]),
            "advertised.listeners": ",".join(advertised),
            "inter.broker.listener.name": "PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
            "listener.security.protocol.map": (
                "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL"
            ),
            "log.dirs": str(self.folder / "data"),
            "offsets.topic.replication.factor": replicas,
            "transaction.state.log.replication.factor": replicas,
            "transaction.state.log.min.isr": min_isr,
            "share.coordinator.state.topic.replication.factor": replicas,
            "share.coordinator.state.topic.min.isr": min_isr,
            "group.initial.rebalance.delay.ms": "0",
            "auto.create.topics.enable": "false",
        }
        if c.tls is not None and c.user is not None:
            props |= {
                "sasl.enabled.mechanisms": "SCRAM-SHA-512,PLAIN",
                "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config": (
                    "org.apache.kafka.common.security.scram.ScramLoginModule required;"
                ),
                "listener.name.sasl_ssl.plain.sasl.jaas.config": (
                    "org.apache.kafka.common.security.plain.PlainLoginModule required "
                    f'user_{c.user.username}="{c.user.password}";'
                ),
                "ssl.keystore.type": "PKCS12",
                "ssl.keystore.location": str(c.tls.keystore),
                "ssl.keystore.password": c.tls.keystore_password,
                "ssl.key.password": c.tls.keystore_password,
            }
        return props

    def _java(self, *args: str, heap: str = "256m") -> list[str]:
        return [
            java(),
            f"-Xmx{heap}",
            "-XX:+UseSerialGC",
            *log_flags(),
            "-cp",
            f"{self.cluster.jars}/*",
            *args,
        ]

    def format(self) -> None:
        """Write server.properties and format the storage (once: a restart keeps the data)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        config = self.folder / "server.properties"
        config.write_text("".join(f"{k}={v}\n" for k, v in self.properties().items()))
        if (self.folder / "data" / "meta.properties").exists():
            return
        # "=": a random id may start with "-", which argparse would take for an option
        args = ["kafka.tools.StorageTool", "format", f"--cluster-id={self.cluster.cluster_id}"]
        args += ["-c", str(config)]
        if self.cluster.user is not None:
            u = self.cluster.user
            args += ["--add-scram", f"SCRAM-SHA-512=[name={u.username},password={u.password}]"]
        run = subprocess.run(self._java(*args), capture_output=True, text=True, check=False)
        if run.returncode != 0:
            raise BrokerError(f"formatting node {self.node_id} failed: {run.stdout}{run.stderr}")

    def start(self) -> None:
        """Start the process (formatting first when needed); see ``wait_ready``."""
        if self.proc is not None and self.proc.poll() is None:
            raise BrokerError(f"node {self.node_id} is already running")
        self.format()
        out = self.log_file.open("ab")
        try:
            self._log_offset = self.log_file.stat().st_size
            self.proc = subprocess.Popen(
                self._java("kafka.Kafka", str(self.folder / "server.properties"), heap="768m"),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            out.close()

    def wait_ready(self, deadline: float) -> None:
        """Block until this run of the process logged that the server started."""
        while True:
            if self.proc is None or self.proc.poll() is not None:
                raise BrokerError(f"Kafka node {self.node_id} exited: {self.tail()}")
            with self.log_file.open("rb") as f:
                f.seek(self._log_offset)
                if READY_LINE.encode() in f.read():
                    return
            if time.monotonic() > deadline:
                raise BrokerError(f"Kafka node {self.node_id} not ready in time: {self.tail()}")
            time.sleep(0.1)

    def tail(self, lines: int = 20) -> str:
        """The last lines of this node's log (for error messages)."""
        try:
            text = self.log_file.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM (a controlled shutdown), then SIGKILL after ``timeout``."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """kill -9: the broker loses nothing it acknowledged (its log is on disk)."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


class ApacheKafka:
    """A local Apache Kafka cluster; ``with ApacheKafka(...) as k:`` starts and stops it."""

    def __init__(
        self,
        data_dir: Path,
        *,
        nodes: int = 1,
        port: int | None = None,
        sasl_ssl: bool = False,
        version: str | None = None,
    ) -> None:
        if nodes < 1:
            raise BrokerError("a cluster needs at least one node")
        self.data_dir = Path(data_dir)
        self.nodes = nodes
        self.sasl_ssl = sasl_ssl
        self.version = version
        self.jars = Path()
        identity = self._identity(sasl_ssl)
        self.cluster_id = identity["cluster_id"]
        self.user = SaslUser(identity["username"], identity["password"]) if sasl_ssl else None
        self.tls: TlsFiles | None = None
        first = port or free_port()
        self.node_list = [
            KafkaNode(self, i + 1, first if i == 0 else free_port()) for i in range(nodes)
        ]

    def _identity(self, sasl_ssl: bool) -> dict[str, str]:
        """Cluster id and SASL user, kept in the data dir: a restart is the same cluster."""
        path = self.data_dir / "cluster.json"
        if path.exists():
            known: dict[str, str] = json.loads(path.read_text())
            if sasl_ssl and "password" not in known:
                raise BrokerError(f"{self.data_dir} holds a cluster made without --sasl-ssl")
            return known
        made = {
            "cluster_id": base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode(),
            "username": "smart-connect",
        }
        if sasl_ssl:
            made["password"] = secrets.token_urlsafe(12)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(made))
        return made

    @property
    def voters(self) -> str:
        return ",".join(f"{n.node_id}@{HOST}:{n.controller_port}" for n in self.node_list)

    @property
    def bootstrap(self) -> str:
        """The PLAINTEXT bootstrap servers."""
        return ",".join(n.bootstrap for n in self.node_list)

    @property
    def sasl_bootstrap(self) -> str | None:
        """The SASL_SSL bootstrap servers (None without ``sasl_ssl``)."""
        if not self.sasl_ssl:
            return None
        return ",".join(f"{TLS_HOST}:{n.sasl_port}" for n in self.node_list)

    def start(self, timeout: float = 90.0) -> None:
        """Resolve the jars, format and start every node, and wait until each is ready."""
        self.jars = kafka_jars(self.version)
        self.version = self.jars.parent.name
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.sasl_ssl and self.tls is None:
            assert self.user is not None
            self.tls = make_tls(self.data_dir / "tls", self.user.password, TLS_HOST)
        try:
            self.restart(timeout)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop every node (controlled shutdown)."""
        for node in reversed(self.node_list):
            node.stop()

    def kill(self) -> None:
        """kill -9 every node."""
        for node in self.node_list:
            node.kill()

    def restart(self, timeout: float = 90.0) -> None:
        """Start the nodes (again, after ``kill`` or ``stop``: the same ports and data) and
        wait until each is ready."""
        for node in self.node_list:
            node.start()
        deadline = time.monotonic() + timeout
        for node in self.node_list:
            node.wait_ready(deadline)

    def client_settings(self, sasl: bool = False) -> dict[str, str]:
        """Kafka client keys (``bootstrap.servers``, security) for the plain or SASL listener."""
        if not sasl:
            return {"bootstrap.servers": self.bootstrap}
        if self.user is None or self.tls is None or self.sasl_bootstrap is None:
            raise BrokerError("this cluster has no SASL_SSL listener (sasl_ssl=True)")
        return {
            "bootstrap.servers": self.sasl_bootstrap,
            "security.protocol": "SASL_SSL",
            "sasl.mechanism": "SCRAM-SHA-512",
            "sasl.username": self.user.username,
            "sasl.password": self.user.password,
            "ssl.cafile": str(self.tls.ca_file),
        }

    def __enter__(self) -> ApacheKafka:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
