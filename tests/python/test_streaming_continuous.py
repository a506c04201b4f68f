"""`python -m lakehouse.runner --kafka-bootstrap ... --continuous` as a user runs it, in its own process,
against the session's Kafka broker: events published while it runs reach silver, SIGTERM stops it with exit
code 0, and events published just before the stop are not lost (the next run picks them up).
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from pyspark.sql import SparkSession

from lakehouse import runner
from lakehouse.catalogue import Catalogue
from lakehouse.generator.stream import StreamConfig, StreamManifest, publish, stream_events
from lakehouse.locations import LocalLocations
from lakehouse.silver.job import bronze_fed_tables
from lakehouse.streaming.broker import LocalBroker, create_topic

SOURCE = "cart_events"
TOPIC = "cart-continuous"
WAVE = 20
"""Events per wave; two waves, no faults, so every event is one silver row."""
WAIT_SECONDS = 240
"""Bound of every wait, for a busy shared machine (where a cold runner process takes minutes to start)."""


class RunnerOutput:
    """The runner process's output, line by line: kept in a log file and handed to the waiting test as it
    arrives (a blocking read, no polling)."""

    def __init__(self, process: subprocess.Popen[str], log: Path) -> None:
        self.process, self.log, self.lines = process, log, queue.Queue[str | None]()
        threading.Thread(target=self._copy, daemon=True).start()

    def _copy(self) -> None:
        assert self.process.stdout is not None
        with self.log.open("w", encoding="utf-8") as out:
            for line in self.process.stdout:
                out.write(line)
                out.flush()
                self.lines.put(line.rstrip())
        self.lines.put(None)  # the process ended

    def wait_for(self, matches: Callable[[str], bool], what: str) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                raise AssertionError(f"the runner exited before {what}:\n{self.log.read_text()}")
            if matches(line):
                return
        raise AssertionError(f"no {what} within {WAIT_SECONDS}s:\n{self.log.read_text()}")

    def wait_for_end(self) -> None:
        """Until the whole output is in the log (the process has exited)."""
        while self.lines.get(timeout=WAIT_SECONDS) is not None:
            pass


def test_continuous_run_streams_into_silver_and_stops_on_sigterm_without_loss(
    spark: SparkSession, catalogue: Catalogue, kafka_broker: LocalBroker, tmp_path: Path
) -> None:
    source = catalogue.source(SOURCE)
    silver = next(s for s, b in bronze_fed_tables(catalogue) if b.key == source.table)
    create_topic(kafka_broker.bootstrap, TOPIC, partitions=2)
    manifest = StreamManifest(SOURCE)
    events = list(stream_events(source, StreamConfig(events=2 * WAVE, seed=21), manifest))
    (tmp_path / "landing").mkdir()
    warehouse = tmp_path / "warehouse"
    args = [
        "--landing", str(tmp_path / "landing"), "--warehouse", str(warehouse), "--sources", SOURCE,
        "--kafka-bootstrap", kafka_broker.bootstrap, "--kafka-topic", f"{SOURCE}={TOPIC}",
    ]  # fmt: skip
    locations = LocalLocations(warehouse.resolve())

    def silver_rows() -> int:
        return locations.read(spark, silver.key).count() if locations.exists(spark, silver.key) else 0

    written = [0]
    batch_line = re.compile(rf"^\[continuous\] {re.escape(silver.key)} batch \d+: \d+ read, (\d+) written$")

    def first_wave_in_silver(line: str) -> bool:
        if found := batch_line.match(line):
            written[0] += int(found[1])
        return written[0] >= WAVE

    log = tmp_path / "runner.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "lakehouse.runner", *args, "--continuous", "1s", "--run-id", "continuous"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    output_lines = RunnerOutput(process, log)
    try:
        publish(kafka_broker.bootstrap, TOPIC, iter(events[:WAVE]))
        output_lines.wait_for(first_wave_in_silver, f"{WAVE} rows written to {silver.key}")
        assert silver_rows() == WAVE
        # The second wave goes out just before the stop: the stream may or may not have read it.
        publish(kafka_broker.bootstrap, TOPIC, iter(events[WAVE:]))
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=WAIT_SECONDS)
    finally:
        if process.poll() is None:
            process.kill()
    output_lines.wait_for_end()
    output = log.read_text()
    assert code == 0, output
    assert "[continuous] SIGTERM: stopping the streams" in output
    assert "runner: done" in output

    # What the continuous run did not finish, the next run does: every event once in bronze and silver.
    runner.run(spark, runner.parse_args([*args, "--no-gold", "--run-id", "after"]), log=lambda _: None)
    bronze = locations.read(spark, source.table)
    assert bronze.select("_event_partition", "_event_offset").distinct().count() == bronze.count() == 2 * WAVE
    stored = {row[0] for row in locations.read(spark, silver.key).select("event_id").collect()}
    assert len(stored) == silver_rows() == 2 * WAVE
