"""A real single-node Apache Kafka broker on 127.0.0.1, for the streaming tests, benchmark and local runs.

The broker's jars come from Maven Central through `scripts/resolve-kafka.sh` (`make setup`) into
`.cache/kafka-broker/`; this module only writes a KRaft configuration (one process that is both broker and
controller, no ZooKeeper), formats a fresh log folder and starts `kafka.Kafka` in its own JVM on two free
loopback ports. `LocalBroker.stop` ends that process and deletes the folder.

    python -m lakehouse.streaming.broker      # prints the bootstrap address, runs until Ctrl-C
"""

from __future__ import annotations

import base64
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from lakehouse.local_process import LOOPBACK, free_port, stop_process

_REPO_ROOT = Path(__file__).resolve().parents[3]
KAFKA_DIR_ENV = "LAKEHOUSE_KAFKA_DIR"
DEFAULT_KAFKA_DIR = _REPO_ROOT / ".cache" / "kafka-broker"


class BrokerError(RuntimeError):
    """The local broker's jars are missing, or it did not start; the message holds the end of its log."""


def broker_jars(folder: str | Path | None = None) -> Path:
    """The folder of the broker's jars, failing with what to run when they are not there."""
    path = Path(folder or os.environ.get(KAFKA_DIR_ENV) or DEFAULT_KAFKA_DIR).resolve()
    if not any(path.glob("kafka_2.13-*.jar")):
        raise BrokerError(
            f"no Kafka broker jars in {path}: run `make setup` (scripts/resolve-kafka.sh) or point "
            f"${KAFKA_DIR_ENV} at a folder that holds them"
        )
    return path


def server_properties(data_dir: Path, port: int, controller_port: int) -> str:
    """The KRaft configuration of a one-node cluster listening on 127.0.0.1 only."""
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@{LOOPBACK}:{controller_port}",
        "listeners": f"PLAINTEXT://{LOOPBACK}:{port},CONTROLLER://{LOOPBACK}:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://{LOOPBACK}:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": str(data_dir),
        # Topics are created on purpose (tests name their partitions), as Event Hubs hubs are: an unknown
        # topic must be an error, not an empty topic created by the first reader.
        "auto.create.topics.enable": "false",
        "num.partitions": "1",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
        "num.network.threads": "2",
        "num.io.threads": "2",
        "log.flush.interval.messages": "9223372036854775807",
    }
    return "".join(f"{key}={value}\n" for key, value in settings.items())


# A small heap and one GC thread: the broker shares a 2-core machine with Spark.
_JVM_OPTIONS = (
    "-Xms128m",
    "-Xmx512m",
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    "-Djava.awt.headless=true",
)


@dataclass
class LocalBroker:
    """A running broker; `bootstrap` is its `host:port`."""

    process: subprocess.Popen[bytes]
    folder: Path
    port: int
    log_path: Path
    owns_folder: bool = True
    _stopped: bool = field(default=False, repr=False)
    _ready: bool = field(default=False, repr=False)

    @property
    def bootstrap(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Return once the broker answers metadata requests; stop it and raise BrokerError if it does not."""
        if self._ready:
            return
        try:
            _wait_ready(self, timeout)
        except BaseException:
            self.stop()
            raise
        self._ready = True

    def stop(self, timeout: float = 20.0) -> None:
        """End the broker (SIGTERM, then SIGKILL after `timeout`) and remove its folder."""
        if self._stopped:
            return
        self._stopped = True
        stop_process(self.process, timeout)
        if self.owns_folder:
            shutil.rmtree(self.folder, ignore_errors=True)


def _java() -> str:
    home = os.environ.get("JAVA_HOME")
    java = Path(home, "bin", "java") if home else shutil.which("java")
    if java is None or not Path(java).exists():
        raise BrokerError("no `java` on PATH (and no $JAVA_HOME): the Kafka broker needs Java 17 or newer")
    return str(java)


def new_cluster_id() -> str:
    """A random KRaft cluster id: a UUID in URL-safe base64 without padding, as Kafka makes them.

    Never one that starts with `-`: the storage tool would read it as an option and fail to format
    ("argument --cluster-id/-t: expected one argument"), one start in 64; Kafka's own `Uuid.randomUuid`
    draws again in that case too."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def start_broker(folder: Path | None = None, *, timeout: float = 60.0, wait: bool = True) -> LocalBroker:
    """Format a fresh KRaft log folder and start the broker; returns once it answers metadata requests, or
    at once with `wait=False` (then call `LocalBroker.wait_ready` before using it)."""
    jars = broker_jars()
    owns = folder is None
    base = Path(tempfile.mkdtemp(prefix="lakehouse-kafka-")) if folder is None else folder
    base.mkdir(parents=True, exist_ok=True)
    port, controller_port = free_port(), free_port()
    while controller_port == port:
        controller_port = free_port()
    config = base / "server.properties"
    config.write_text(server_properties(base / "data", port, controller_port))
    classpath = f"{jars}/*"
    cluster_id = new_cluster_id()
    java = _java()
    formatted = subprocess.run(
        [java, *_JVM_OPTIONS, "-cp", classpath, "kafka.tools.StorageTool", "format", "-t", cluster_id,
         "-c", str(config)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if formatted.returncode != 0:
        raise BrokerError(f"formatting the KRaft log folder failed: {formatted.stderr[-2000:]}")
    log_path = base / "broker.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [java, *_JVM_OPTIONS, "-cp", classpath, "kafka.Kafka", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    broker = LocalBroker(process, base, port, log_path, owns_folder=owns)
    if wait:
        broker.wait_ready(timeout)
    return broker


def _wait_ready(broker: LocalBroker, timeout: float) -> None:
    from kafka import KafkaAdminClient  # the client is a test/runtime dependency; import only when needed

    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    # Wait for the listener with plain sockets first: the Kafka client backs off for up to 25 s between
    # connection attempts, longer than the broker takes to start.
    while time.monotonic() < deadline and broker.process.poll() is None:
        try:
            socket.create_connection((LOOPBACK, broker.port), timeout=1).close()
            break
        except OSError as error:
            last_error = error
            time.sleep(0.1)
    while time.monotonic() < deadline:
        if broker.process.poll() is not None:
            raise BrokerError(
                f"the Kafka broker exited with {broker.process.returncode}:\n{broker.log_tail()}"
            )
        try:
            admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap, request_timeout_ms=5000)
            try:
                admin.list_topics()
                return
            finally:
                admin.close()
        except Exception as error:  # not listening yet, or no metadata yet
            last_error = error
            time.sleep(0.3)
    raise BrokerError(
        f"the Kafka broker on {broker.bootstrap} did not answer within {timeout:.0f}s ({last_error}):\n"
        f"{broker.log_tail()}"
    )


def create_topic(bootstrap: str, name: str, partitions: int = 1) -> None:
    """Create `name` with `partitions` partitions (replication 1); wait until every partition has a leader."""
    from kafka import KafkaAdminClient, KafkaConsumer
    from kafka.admin import NewTopic

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    try:
        admin.create_topics([NewTopic(name, partitions, 1)])
    finally:
        admin.close()
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            found = consumer.partitions_for_topic(name)
            if found is not None and len(found) == partitions:
                return
            time.sleep(0.2)
            consumer.topics()  # refreshes the metadata
        raise BrokerError(f"topic {name} has no {partitions} partitions with a leader after 20 s")
    finally:
        consumer.close()


def main() -> int:
    broker = start_broker()
    print(f"kafka: broker on {broker.bootstrap} (folder {broker.folder}); Ctrl-C stops it", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        broker.process.wait()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        broker.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
