"""Apache Kafka's jars from Maven Central, in one folder per version under a cache.

``mvn dependency:copy-dependencies`` on a throwaway pom flattens the broker, its tools,
Kafka Connect and MirrorMaker 2 (with every transitive dependency) into
``<cache>/<version>/libs``; ``java -cp '<libs>/*'`` then runs any of their main classes or
a single-file Java program. Once a version is there it is reused without the network.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from connect.broker import BrokerError

#: What one classpath holds: the broker, its CLIs, Kafka Connect and MirrorMaker 2.
ARTIFACTS = (
    "kafka_2.13",
    "kafka-tools",
    "connect-runtime",
    "connect-mirror",
    "connect-mirror-client",
    "connect-file",
)
#: Logging for all of them: SLF4J 2 with its simple binding, set by system properties
#: (Kafka's poms leave the binding to the distribution, and an older slf4j-api wins).
LOGGING = (("org.slf4j", "slf4j-api", "2.0.17"), ("org.slf4j", "slf4j-simple", "2.0.17"))
#: Maven's range for "the newest 4.x that resolves".
NEWEST_4X = "[4.0.0,5.0.0)"
#: Marks a folder whose jars are all of one release (older caches mixed releases).
COMPLETE = ".complete-v2"
_VERSION = re.compile(r"^\d+\.\d+\.\d+$")


def cache_root() -> Path:
    """``$SMART_CONNECT_KAFKA_CACHE``, else ``~/.cache/smart-connect/kafka``."""
    env = os.environ.get("SMART_CONNECT_KAFKA_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "smart-connect" / "kafka"


def require(tool: str, install: str) -> str:
    """The path of ``tool`` on PATH, or a BrokerError that says what to install."""
    found = shutil.which(tool)
    if not found:
        raise BrokerError(f"{tool} not found on PATH: install {install}")
    return found


def java() -> str:
    """The ``java`` launcher (Apache Kafka 4.x needs Java 17 or newer)."""
    return require("java", "a Java 17+ runtime (Debian: apt-get install openjdk-17-jre-headless)")


def cached_versions(root: Path | None = None) -> list[str]:
    """Versions already complete in the cache, newest first."""
    root = root or cache_root()
    if not root.is_dir():
        return []
    done = [p.name for p in root.iterdir() if (p / "libs" / COMPLETE).exists()]
    return sorted((v for v in done if _VERSION.match(v)), key=_version_key, reverse=True)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def kafka_jars(version: str | None = None, root: Path | None = None) -> Path:
    """The folder of jars for ``version`` (default: newest cached, else newest 4.x on Maven)."""
    root = root or cache_root()
    if version is not None and not _VERSION.match(version):
        raise BrokerError(f"--kafka-version {version!r}: expected a release such as 4.0.0")
    if version is None:
        cached = cached_versions(root)
        if cached:
            return root / cached[0] / "libs"
    elif (root / version / "libs" / COMPLETE).exists():
        return root / version / "libs"
    return _resolve(version, root)


def _pom(version: str, artifacts: tuple[str, ...] = ARTIFACTS) -> str:
    deps = "".join(
        "<dependency><groupId>org.apache.kafka</groupId>"
        f"<artifactId>{artifact}</artifactId><version>{version}</version></dependency>"
        for artifact in artifacts
    ) + "".join(
        f"<dependency><groupId>{group}</groupId><artifactId>{artifact}</artifactId>"
        f"<version>{pinned}</version></dependency>"
        for group, artifact, pinned in LOGGING
    )
    return (
        '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
        "<groupId>local.smart-connect</groupId><artifactId>kafka-jars</artifactId>"
        f"<version>1</version><dependencies>{deps}</dependencies></project>"
    )


def _resolve(version: str | None, root: Path) -> Path:
    if version is None:
        # a range per artifact may mix releases (connect-mirror 4.3 beside kafka-clients
        # 4.4, when one is published later): take the oldest newest, then pin them all
        version = _copy(_pom(NEWEST_4X), root, store=False)
        if (root / version / "libs" / COMPLETE).exists():
            return root / version / "libs"
    _copy(_pom(version), root, store=True)
    return root / version / "libs"


def _copy(pom: str, root: Path, *, store: bool) -> str:
    """Resolve ``pom``'s dependencies; the broker's version (the jars kept with ``store``)."""
    mvn = require("mvn", "Maven (Debian: apt-get install maven)")
    java()
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root, prefix=".resolve-") as tmp:
        work = Path(tmp)
        (work / "pom.xml").write_text(pom)
        out = work / "libs"
        run = subprocess.run(
            [mvn, "-q", "-B", "dependency:copy-dependencies", f"-DoutputDirectory={out}"],
            cwd=work,
            capture_output=True,
            text=True,
            check=False,
        )
        if run.returncode != 0:
            tail = " ".join((run.stdout + run.stderr).split()[-40:])
            raise BrokerError(f"Maven could not resolve Apache Kafka: {tail}")
        versions = [
            jar.name.removeprefix(f"{artifact}-").removesuffix(".jar")
            for artifact in ARTIFACTS
            for jar in out.glob(f"{artifact}-[0-9]*.jar")
        ]
        if not versions:
            raise BrokerError("Maven resolved no kafka_2.13 jar")
        resolved = min(versions, key=_version_key)
        target = root / resolved
        if store and not (target / "libs" / COMPLETE).exists():
            (out / COMPLETE).write_text(resolved + "\n")
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            out.rename(target / "libs")
    return resolved
