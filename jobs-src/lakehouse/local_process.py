"""Helpers for the local helper processes (the Kafka broker, a Spark Connect server) that tests and local
runs start and must not leave behind."""

from __future__ import annotations

import socket
import subprocess
from typing import Any

LOOPBACK = "127.0.0.1"
"""The only interface local helper processes listen on."""


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def stop_process(process: subprocess.Popen[Any], timeout: float) -> None:
    """End `process`: SIGTERM, then SIGKILL when it has not exited after `timeout` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)
