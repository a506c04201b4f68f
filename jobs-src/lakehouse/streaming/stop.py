"""Keep a run's continuous streams going until SIGINT (Ctrl-C) or SIGTERM, then stop them and return.

A signal only sets a flag: the handler runs in the main thread while it waits on the JVM, so it makes no
Spark call itself. The waiting loop sees the flag within one poll and stops every active query; a stopped
query's unfinished micro-batch is not in its checkpoint, so the next run replays it and the exactly-once
appends (lakehouse.stream_appends) and insert-only or MERGE writes keep it once. A query that fails while
running re-raises its error (after the others are stopped), so the run fails as it would in availableNow
mode.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from pyspark.sql import SparkSession

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
POLL_SECONDS = 1
"""How often the waiting loop looks at the stop flag (the most a stop waits before it begins)."""


@contextmanager
def stop_on_signals(log: Callable[[str], None] = print) -> Iterator[threading.Event]:
    """An event that SIGINT or SIGTERM sets while the block runs; the previous handlers come back after it.
    Off the main thread (where Python allows no handler) the event is only set by the caller."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handle(signum: int, _frame: FrameType | None) -> None:
        log(f"[continuous] {signal.Signals(signum).name}: stopping the streams")
        stop.set()

    previous = {signum: signal.signal(signum, handle) for signum in STOP_SIGNALS}
    try:
        yield stop
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def run_until_stopped(spark: SparkSession, stop: threading.Event) -> int:
    """Wait while the session's streaming queries run; when `stop` is set (or a query ends), stop every
    active query. Returns how many were stopped; a query's failure is raised."""
    spark.streams.resetTerminated()  # earlier runs' ended queries would end the wait at once
    try:
        while not stop.is_set():
            if spark.streams.awaitAnyTermination(POLL_SECONDS):  # raises a failed query's error
                break
    finally:
        active = spark.streams.active
        for query in active:
            query.stop()
    return len(active)
