"""Helpers for the local helper processes (the Kafka broker, a Spark Connect server) that tests and local
runs start and must not leave behind."""

from __future__ import annotations

import subprocess
from typing import Any


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
