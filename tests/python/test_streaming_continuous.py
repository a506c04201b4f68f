"""`python -m lakehouse.runner --kafka-bootstrap ... --continuous` as a user runs it, in its own process,
against the session's Kafka broker: events published while it runs reach silver, SIGTERM stops it with exit
code 0, and events published just before the stop are not lost (the next run picks them up).
"""

from __future__ import annotations

import signal
import subprocess
import sys
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


def _wait_for(condition: Callable[[], bool], process: subprocess.Popen[bytes], log: Path, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"the runner exited ({process.returncode}) before {what}:\n{log.read_text()}"
            )
        if condition():
            return
        time.sleep(1)
    raise AssertionError(f"no {what} within {WAIT_SECONDS}s:\n{log.read_text()}")


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

    seen_version = [0]  # version 0 creates the table

    def silver_holds_first_wave() -> bool:
        # Count only when silver committed something new: the wait's own Spark jobs share the runner's cores.
        if not locations.exists(spark, silver.key) or locations.version(spark, silver.key) == seen_version[0]:
            return False
        seen_version[0] = locations.version(spark, silver.key)
        return silver_rows() == WAVE

    log = tmp_path / "runner.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "lakehouse.runner", *args, "--continuous", "1s", "--run-id", "continuous"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            publish(kafka_broker.bootstrap, TOPIC, iter(events[:WAVE]))
            _wait_for(silver_holds_first_wave, process, log, f"{WAVE} rows in {silver.key}")
            # The second wave goes out just before the stop: the stream may or may not have read it.
            publish(kafka_broker.bootstrap, TOPIC, iter(events[WAVE:]))
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=WAIT_SECONDS)
        finally:
            if process.poll() is None:
                process.kill()
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
