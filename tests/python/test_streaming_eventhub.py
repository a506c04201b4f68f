"""The eventhub sources end to end against a real Kafka broker (the session's `kafka_broker`, KRaft on
127.0.0.1): generated cart events with every stream fault kind are published, the runner reads them into
bronze and silver (`--kafka-bootstrap`), and every event is accounted for.

Each test publishes to its own topic (`--kafka-topic`) and writes its own warehouse, so they do not depend
on one another. Event counts stay small (a few hundred) and every run uses an availableNow trigger.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lakehouse import runner
from lakehouse.bronze import eventhub
from lakehouse.bronze.eventhub import ingest_eventhub, parse_events
from lakehouse.bronze.ingest import BatchHook, Trigger
from lakehouse.catalogue import Catalogue, Table
from lakehouse.generator.stream import DRIFT_KEY, StreamConfig, StreamManifest, publish, stream_events
from lakehouse.local_process import free_port
from lakehouse.locations import LocalLocations
from lakehouse.ops.accounting import TableCounts, accounting_table
from lakehouse.silver.job import bronze_fed_tables
from lakehouse.silver.late import LATE_RULE
from lakehouse.streaming.broker import LocalBroker, create_topic
from lakehouse.streaming.settings import KafkaSettings, StreamSettingsError

SOURCE = "cart_events"
EVENTS = 300


def _tables(catalogue: Catalogue) -> tuple[Table, Table]:
    """The bronze table of the source and the silver table it feeds, from the catalogue."""
    bronze = catalogue.table(catalogue.source(SOURCE).table)
    return bronze, next(silver for silver, fed in bronze_fed_tables(catalogue) if fed.key == bronze.key)


class Killed(RuntimeError):
    """Stands for the process dying at the hook point."""


def _publish(
    broker: LocalBroker, catalogue: Catalogue, topic: str, partitions: int, seed: int
) -> StreamManifest:
    create_topic(broker.bootstrap, topic, partitions)
    manifest = StreamManifest(SOURCE)
    config = StreamConfig(events=EVENTS, seed=seed, fault_rate=0.1)
    publish(broker.bootstrap, topic, stream_events(catalogue.source(SOURCE), config, manifest))
    return manifest


def _run(
    spark: SparkSession, tmp: Path, bootstrap: str, topic: str, run_id: str, *extra: str, hook=None
) -> runner.RunResult:
    landing = tmp / "landing"
    landing.mkdir(exist_ok=True)
    args = runner.parse_args(
        [
            "--landing", str(landing), "--warehouse", str(tmp / "warehouse"), "--run-id", run_id,
            "--sources", SOURCE, "--no-gold", "--kafka-bootstrap", bootstrap,
            "--kafka-topic", f"{SOURCE}={topic}", *extra,
        ]
    )  # fmt: skip
    return runner.run(spark, args, hook=hook, log=lambda _: None)


def test_every_event_is_in_bronze_and_accounted_for_in_silver(
    spark: SparkSession, catalogue: Catalogue, kafka_broker: LocalBroker, tmp_path: Path
) -> None:
    manifest = _publish(kafka_broker, catalogue, "cart-all", partitions=3, seed=11)
    faults = manifest.faults
    assert all(
        faults[kind] > 0
        for kind in ("malformed_json", "missing_key", "schema_drift", "exact_duplicate", "late_event")
    )

    result = _run(spark, tmp_path, kafka_broker.bootstrap, "cart-all", "stream-1")

    locations = LocalLocations((tmp_path / "warehouse").resolve())
    bronze_table, silver_table = _tables(catalogue)
    bronze = locations.read(spark, bronze_table.key)
    assert bronze.count() == manifest.messages
    # Every partition was read, each event once (no offset twice).
    positions = bronze.select("_event_partition", "_event_offset")
    assert positions.distinct().count() == manifest.messages
    assert {r[0] for r in bronze.select("_event_partition").distinct().collect()} == {0, 1, 2}
    # A malformed body is kept, raw and in _rescued_data.
    rescued = bronze.where(F.col("_rescued_data").contains("_corrupt_record"))
    assert rescued.count() == faults["malformed_json"]
    assert rescued.where(F.col("_event_body").isNull()).count() == 0
    # An undeclared key stays in the body; silver rescues it (and quarantines the event, below).
    drifted = bronze.where(F.col("_event_body").contains(f'"{DRIFT_KEY}":'))
    assert drifted.count() == faults["schema_drift"]
    assert drifted.where(F.col("_rescued_data").isNotNull()).count() == 0

    silver = result.accounting.tables[silver_table.key]
    assert silver.rows_read == manifest.messages
    assert silver.rows_deduplicated == faults["exact_duplicate"]
    assert silver.rows_late == faults["late_event"]
    invalid = faults["malformed_json"] + faults["missing_key"] + faults["schema_drift"]
    assert silver.rows_quarantined == invalid
    assert silver.rows_written == EVENTS - invalid - faults["late_event"]
    assert silver.violation() is None
    assert locations.read(spark, silver_table.key).count() == silver.rows_written
    quarantine = locations.read(spark, silver_table.quarantine_table or "")
    late = quarantine.where(F.array_contains("failed_rules", LATE_RULE))
    assert late.count() == faults["late_event"]
    ill_formed = quarantine.where(F.array_contains("failed_rules", "well_formed_record"))
    assert ill_formed.count() == faults["malformed_json"] + faults["schema_drift"]
    # The quarantined record is the bronze row as stored; its body holds the undeclared key.
    records = ill_formed.select(F.get_json_object("record", "$._event_body").alias("body"))
    assert records.where(F.col("body").contains(f'"{DRIFT_KEY}":')).count() == faults["schema_drift"]
    # The run's accounting reached the ops table with the late events in it.
    ops_table = accounting_table(catalogue).key
    ops = locations.read(spark, ops_table).where(F.col("table_key") == silver_table.key)
    assert ops.select("rows_late").collect()[0][0] == faults["late_event"]

    # Nothing new on the topic: a second run writes nothing.
    versions = {key: locations.version(spark, key) for key in (bronze_table.key, silver_table.key)}
    again = _run(spark, tmp_path, kafka_broker.bootstrap, "cart-all", "stream-2")
    assert all(c.rows_read == 0 for c in again.accounting.tables.values())
    assert {key: locations.version(spark, key) for key in versions} == versions


def test_killed_stream_restarts_without_loss_or_duplicates(
    spark: SparkSession,
    catalogue: Catalogue,
    kafka_broker: LocalBroker,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Bronze only (silver's restart is the file sources' SilverJob, covered by test_runner_restart).
    Each stream builds its parsing once, for all its micro-batches."""
    parse_builds: list[object] = []

    def counted_parse(columns: object) -> object:
        parse_builds.append(columns)
        return parse_events(columns)

    monkeypatch.setattr(eventhub, "parse_events", counted_parse)
    manifest = _publish(kafka_broker, catalogue, "cart-kill", partitions=2, seed=12)
    source = catalogue.source(SOURCE)
    settings = KafkaSettings(
        kafka_broker.bootstrap, max_offsets_per_trigger=100, topics={SOURCE: "cart-kill"}
    )
    locations = LocalLocations((tmp_path / "warehouse").resolve())
    written: list[int] = []
    by_batch: dict[int, int] = {}

    def count(_key: str, batch_id: int, counts: TableCounts) -> None:
        written.append(counts.rows_written)
        by_batch[batch_id] = by_batch.get(batch_id, 0) + counts.rows_written

    def kill_after_delta_commit(key: str, batch_id: int) -> None:
        if batch_id == 1:
            raise Killed("killed after the Delta commit of batch 1, before its checkpoint commit")

    def start(hook: BatchHook | None) -> None:
        trigger = Trigger(available_now=True)
        ingest_eventhub(
            spark, catalogue, source, settings, locations, trigger=trigger, on_batch=count, hook=hook
        ).awaitTermination()

    with pytest.raises(Exception, match="killed after the Delta commit"):
        start(kill_after_delta_commit)
    assert len(written) == 2  # two batches committed to Delta
    assert all(0 < n <= 100 for n in written)
    start(None)
    # The replayed batch 1 was skipped (its commit note, lakehouse.stream_appends), the rest written once.
    assert written[2] == 0
    assert sum(written) == manifest.messages
    assert len(written) > 3  # the restarted stream read several batches
    assert len(parse_builds) == 2  # one per stream started

    bronze = locations.read(spark, source.table)
    assert bronze.count() == manifest.messages
    assert bronze.select("_event_partition", "_event_offset").distinct().count() == manifest.messages
    # Each row carries the micro-batch that wrote it (set per batch on the stream's shaping).
    stored = {r["_batch_id"]: r["count"] for r in bronze.groupBy("_batch_id").count().collect()}
    assert stored == {batch: rows for batch, rows in by_batch.items() if rows}
    assert len(stored) > 3


@pytest.mark.parametrize(
    ("extra", "bootstrap", "expected"),
    [
        (
            ("--kafka-topic", f"{SOURCE}=no-such-hub"),
            None,
            r"source cart_events: topic \(event hub\) 'no-such-hub'",
        ),
        ((), "closed", r"source cart_events: no Kafka broker answered at kafka bootstrap '127\.0\.0\.1:\d+'"),
        (("--kafka-starting-offsets", "oldest"), None, r"source cart_events: startingOffsets 'oldest'"),
        ((), "not-a-host-port", r"source cart_events: kafka bootstrap 'not-a-host-port' is not host:port"),
    ],
    ids=["unknown-topic", "unreachable-broker", "bad-starting-offsets", "bad-bootstrap"],
)
def test_bad_settings_fail_naming_source_and_setting_without_checkpoint(
    spark: SparkSession,
    kafka_broker: LocalBroker,
    tmp_path: Path,
    extra: tuple[str, ...],
    bootstrap: str | None,
    expected: str,
) -> None:
    address = {None: kafka_broker.bootstrap, "closed": f"127.0.0.1:{free_port()}"}.get(bootstrap, bootstrap)
    with pytest.raises(StreamSettingsError, match=expected):
        _run(spark, tmp_path, address, "cart-all", "bad", *extra)
    assert not (tmp_path / "warehouse" / "_checkpoints").exists()
