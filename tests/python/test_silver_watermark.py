"""The watermark of an eventhub source is a catalogue setting (`watermark` of the source), read by silver:
the same batch, processed under the default and under a shorter watermark, has different late events.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.catalogue import Catalogue, Expectation
from lakehouse.locations import LocalLocations
from lakehouse.silver import job as job_module
from lakehouse.silver.job import SilverJob, bronze_fed_tables
from lakehouse.silver.late import LATE_RULE

SOURCE = "cart_events"
LATEST = datetime(2024, 11, 29, 12, 0, tzinfo=UTC)
# Event id -> minutes behind the latest event: within one hour, 30 minutes behind, 90 minutes behind.
BEHIND = {"e-now": 0, "e-30": 30, "e-90": 90}


def _bronze_batch(spark: SparkSession, catalogue: Catalogue, behind: dict[str, int] = BEHIND) -> DataFrame:
    bronze = catalogue.table(catalogue.source(SOURCE).table)
    rows = []
    for offset, (event_id, minutes) in enumerate(behind.items()):
        when = (LATEST - timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")
        fields = {
            "event_id": event_id,
            "event_time": when,
            "action": "add",
            "product_id": "10",
            "quantity": "1",
        }
        fields |= {"price": "9.99", "user_id": "7", "user_session": "s-1"}
        fields |= {"_event_topic": "cart-events", "_event_partition": 0, "_event_offset": offset}
        fields |= {"_source_file": f"cart-events/0/{offset}", "_ingested_at": LATEST, "_batch_id": 0}
        rows.append(tuple(fields.get(name) for name in bronze.column_names))
    return spark.createDataFrame(rows, bronze.spark_schema())


def _job(spark: SparkSession, catalogue: Catalogue, locations: LocalLocations) -> SilverJob:
    bronze = catalogue.table(catalogue.source(SOURCE).table)
    silver = next(s for s, b in bronze_fed_tables(catalogue) if b.key == bronze.key)
    job = SilverJob(spark, catalogue, locations, silver, bronze, "watermark-test")
    job.prepare()
    return job


def _late_ids(spark: SparkSession, catalogue: Catalogue, warehouse: Path) -> tuple[int, set[str]]:
    """Process the batch into an empty warehouse; the late count and the event ids quarantined as late."""
    locations = LocalLocations(warehouse)
    job = _job(spark, catalogue, locations)
    silver = job.silver
    counts = job.process(_bronze_batch(spark, catalogue), 0)
    quarantine = locations.read(spark, silver.quarantine_table or "")
    late = quarantine.where(F.array_contains("failed_rules", LATE_RULE))
    ids = {row[0] for row in late.select(F.get_json_object("record", "$.event_id")).collect()}
    return counts.rows_late, ids


def test_silver_counts_late_events_by_the_sources_declared_watermark(
    spark: SparkSession, catalogue: Catalogue, tmp_path: Path
) -> None:
    assert catalogue.source(SOURCE).watermark == timedelta(hours=1)
    shorter = dataclasses.replace(
        catalogue,
        sources=tuple(
            dataclasses.replace(s, watermark=timedelta(minutes=20)) if s.name == SOURCE else s
            for s in catalogue.sources
        ),
    )

    assert _late_ids(spark, catalogue, tmp_path / "default") == (1, {"e-90"})
    assert _late_ids(spark, shorter, tmp_path / "shorter") == (2, {"e-30", "e-90"})


def test_the_latest_written_time_carries_across_batches_and_is_read_back_after_a_restart(
    spark: SparkSession, catalogue: Catalogue, tmp_path: Path
) -> None:
    locations = LocalLocations(tmp_path)
    job = _job(spark, catalogue, locations)
    assert job.process(_bronze_batch(spark, catalogue, {"e-now": 0}), 0).rows_late == 0
    assert job.late_state.latest_written == LATEST.replace(tzinfo=None)  # from the batch, not re-read
    # The next batch holds only old events: the watermark still follows the event written before.
    second = job.process(_bronze_batch(spark, catalogue, {"e-30": 30, "e-90": 90}), 1)
    assert (second.rows_late, second.rows_written) == (1, 1)

    restarted = _job(spark, catalogue, locations)  # a new stream: the latest time is read from the table once
    third = restarted.process(_bronze_batch(spark, catalogue, {"e-100": 100, "e-50": 50}), 2)
    assert (third.rows_late, third.rows_written) == (1, 1)
    assert restarted.late_state.latest_written == LATEST.replace(tzinfo=None)


def test_a_row_a_drop_rule_removes_does_not_move_the_carried_time(
    spark: SparkSession, catalogue: Catalogue, tmp_path: Path
) -> None:
    bronze_key = catalogue.source(SOURCE).table
    silver = next(s for s, b in bronze_fed_tables(catalogue) if b.key == bronze_key)
    dropping = Expectation("not_a_test_event", "event_id <> 'e-now'", "drop", 1.0)
    with_drop = dataclasses.replace(
        catalogue,
        tables=tuple(
            dataclasses.replace(t, expectations=(*t.expectations, dropping)) if t.key == silver.key else t
            for t in catalogue.tables
        ),
    )
    job = _job(spark, with_drop, LocalLocations(tmp_path))

    counts = job.process(_bronze_batch(spark, with_drop, {"e-now": 0, "e-30": 30}), 0)

    assert (counts.rows_dropped, counts.rows_written) == (1, 1)
    # The latest written row is e-30: the dropped, later e-now is not in the table, so not in the watermark.
    assert job.late_state.latest_written == (LATEST - timedelta(minutes=30)).replace(tzinfo=None)


def _counting(builder: Callable[..., object], name: str, builds: Counter[str]) -> Callable[..., object]:
    def counted(*args: object, **kwargs: object) -> object:
        builds[name] += 1
        return builder(*args, **kwargs)

    return counted


BUILDERS = ("bronze_record", "with_expectations", "expectation_counter", "quarantine_rows")


def test_a_stream_builds_its_expressions_once_for_all_its_batches(
    spark: SparkSession, catalogue: Catalogue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The typing, rule counts and quarantine shape are built on a job's first batch and reused after it
    (each expression is a call into the JVM); the second batch is still typed, checked and quarantined."""
    builds: Counter[str] = Counter()
    for name in BUILDERS:
        monkeypatch.setattr(job_module, name, _counting(getattr(job_module, name), name, builds))
    locations = LocalLocations(tmp_path)
    job = _job(spark, catalogue, locations)

    first = job.process(_bronze_batch(spark, catalogue), 0)
    second = job.process(_bronze_batch(spark, catalogue, {"e2-now": 0, "e2-90": 90}), 1)

    assert builds == dict.fromkeys(BUILDERS, 1)
    assert (first.rows_written, first.rows_late) == (2, 1)
    assert (second.rows_written, second.rows_late) == (1, 1)
    quarantined = locations.read(spark, job.silver.quarantine_table or "")
    ids = {row[0] for row in quarantined.select(F.get_json_object("record", "$.event_id")).collect()}
    assert ids == {"e-90", "e2-90"}
    assert {row[0] for row in quarantined.select("run_id").distinct().collect()} == {"watermark-test"}
