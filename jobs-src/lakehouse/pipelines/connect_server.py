"""One Spark Connect server that several `spark-pipelines` commands on a pipeline folder share.

`spark-pipelines ... --remote local[n]` starts a JVM and a Spark Connect server for each command, which
costs seconds before the first flow runs and leaves every command with a cold JIT. Running `dry-run` then
`run` (and again) on one pipeline folder, start the server once with the folder's Spark defaults and pass
its address instead:

    with connect_server(pipeline) as url:
        run_pipeline(pipeline, "dry-run", remote=url)
        run_pipeline(pipeline, "run", remote=url)

The server is the one `spark-pipelines` would start (same class, same `conf/spark-defaults.conf`), listening
on 127.0.0.1 only.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from lakehouse.local_process import LOOPBACK, free_port, stop_process
from lakehouse.pipelines.local import LocalPipeline, PipelineRunFailed, spark_env

SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"
STARTED = "Spark Connect server started at"
"""The line the server logs once it accepts clients."""


@dataclass
class ConnectServer:
    """A running server: its address (`sc://127.0.0.1:<port>`) and its output, kept in `log_path`."""

    process: subprocess.Popen[str]
    url: str
    log_path: Path
    error: str = ""
    """The last exception line of its output, if any."""
    ready: bool = False
    """True once the server logged that it accepts clients."""
    settled: threading.Event = field(default_factory=threading.Event)
    """Set when the server is ready or its output ended."""

    def stop(self, timeout: float = 30.0) -> None:
        stop_process(self.process, timeout)


def _copy_output(server: ConnectServer) -> None:
    """Keep the server's output in its log (a full pipe would stall it) and signal the start line."""
    assert server.process.stdout is not None
    with server.log_path.open("w", encoding="utf-8") as log:
        for line in server.process.stdout:
            log.write(line)
            log.flush()
            if "Exception" in line and not line.startswith(("\t", " ")):
                server.error = line.strip()
            if STARTED in line:
                server.ready = True
                server.settled.set()
    server.settled.set()  # the output ended: the process is gone, wake the starter


def start_connect_server(
    pipeline: LocalPipeline,
    master: str = "local[2]",
    timeout: float = 180.0,
    conf: Mapping[str, str] | None = None,
) -> ConnectServer:
    """Start the server for `pipeline` and return once it accepts clients; raises PipelineRunFailed naming
    its log when it exits or does not start within `timeout` seconds. `conf`: extra Spark settings."""
    submit = Path(sys.executable).parent / "spark-submit"
    if not submit.is_file():
        raise PipelineRunFailed(
            f"{submit} not found: it comes with pyspark in the project venv; run `make setup`"
        )
    port = free_port()
    args = [
        str(submit),
        "--master", master,
        "--class", SERVER_CLASS,
        "--conf", f"spark.connect.grpc.binding.address={LOOPBACK}",
        "--conf", f"spark.connect.grpc.binding.port={port}",
        *[arg for key, value in sorted((conf or {}).items()) for arg in ("--conf", f"{key}={value}")],
        "spark-internal",
    ]  # fmt: skip
    process = subprocess.Popen(
        args,
        cwd=pipeline.out,
        env=spark_env(pipeline),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = ConnectServer(process, f"sc://{LOOPBACK}:{port}", pipeline.out / "spark-connect-server.log")
    threading.Thread(target=_copy_output, args=(server,), daemon=True, name="connect-server-log").start()
    if not server.settled.wait(timeout) or not server.ready:
        server.stop()
        raise PipelineRunFailed(
            f"the Spark Connect server for {pipeline.out} did not start within {timeout:.0f} s "
            f"(exit {process.returncode}): {server.error or 'no exception in its output'}; "
            f"its output: {server.log_path}"
        )
    return server


@contextmanager
def connect_server(
    pipeline: LocalPipeline, master: str = "local[2]", conf: Mapping[str, str] | None = None
) -> Iterator[str]:
    """A server for `pipeline` while the block runs; yields its `sc://` address and stops it afterwards."""
    server = start_connect_server(pipeline, master, conf=conf)
    try:
        yield server.url
    finally:
        server.stop()
