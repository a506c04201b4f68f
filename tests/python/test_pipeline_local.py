"""The declarative pipeline run locally with `spark-pipelines`, on generated data, against the batch jobs.

One module-scoped flow (slow: a Spark Connect server, which the `dry-run` and the `run` share) on the
session's shared generated flow (conftest.py: the batch runner over 1,000 generated events with every
fault kind, whose bronze tables the pipeline reads and whose silver and gold it is compared with):
`dry-run`, then `run` the pipeline on that bronze. The pipeline's silver tables must equal the batch
job's, row for row. The generated flow reads no broker, so bronze cart_events is written here from
generated stream events (shaped by bronze's own transforms) and the silver job runs over it, for the
pipeline's eventhub path to be compared the same way.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.testing import assertDataFrameEqual

from generated_flow import CONFIG, GeneratedFlow
from kafka_rows import kafka_rows
from lakehouse import runner
from lakehouse.bronze.eventhub import parse_events
from lakehouse.bronze.readers import with_audit
from lakehouse.catalogue import Catalogue, Table, load_catalogue
from lakehouse.conform import catalogue_columns
from lakehouse.generator import Manifest
from lakehouse.generator.stream import StreamConfig, StreamManifest, stream_events
from lakehouse.gold.job import data_as_of
from lakehouse.locations import LocalLocations, create_table
from lakehouse.ops.accounting import TableCounts
from lakehouse.pipelines import local
from lakehouse.pipelines.config import AS_OF
from lakehouse.pipelines.connect_server import connect_server, start_connect_server
from lakehouse.pipelines.datasets import dataset_name
from lakehouse.silver.job import SilverJob, bronze_fed_tables
from spark_settings import TEST_SPARK_CONF

STREAM_SOURCE = "cart_events"
"""The eventhub source whose bronze this module writes (no broker: see `_stream_bronze`)."""


def _stream_fed(catalogue: Catalogue, *, written: bool) -> set[str]:
    """Silver tables (and their quarantine) of the eventhub sources: with `written`, the one whose bronze
    this module writes (STREAM_SOURCE); else the others, which no run here feeds, so the local pipeline
    leaves them out (see docs/streaming.md; test_streaming_eventhub.py covers them)."""
    fed = [
        s
        for s, b in bronze_fed_tables(catalogue)
        if catalogue.source(b.source or "").kind == "eventhub" and (b.source == STREAM_SOURCE) == written
    ]
    return {key for s in fed for key in (s.key, s.quarantine_table) if key}


SILVER_TABLES = [
    table.name
    for table in load_catalogue().tables_in("silver")
    if table.key
    not in _stream_fed(load_catalogue(), written=True) | _stream_fed(load_catalogue(), written=False)
]
QUARANTINE_RUN_COLUMNS = ("run_id", "quarantined_at")
"""Differ by design between the batch run and the pipeline update."""


@dataclass
class StreamBatch:
    """Bronze cart_events written from generated events, and the silver job's run over it."""

    locations: LocalLocations
    faults: Counter[str]
    counts: TableCounts


@dataclass
class PipelineFlow:
    manifest: Manifest
    batch: runner.RunResult
    locations: LocalLocations
    stream: StreamBatch
    as_of: date
    pipeline: local.LocalPipeline
    dry_run_lines: list[str]
    tables_after_dry_run: list[str]
    run_lines: list[str]

    def read(self, spark: SparkSession, table: Table) -> DataFrame:
        """The pipeline's dataset of catalogue table `table`."""
        return spark.read.format("delta").load(str(self.pipeline.table(dataset_name(table))))


def _tables(pipeline: local.LocalPipeline) -> list[str]:
    if not pipeline.warehouse.is_dir():
        return []
    return sorted(p.name for p in pipeline.warehouse.iterdir() if (p / "_delta_log").is_dir())


def _stream_bronze(spark: SparkSession, catalogue: Catalogue, warehouse: Path) -> StreamBatch:
    """Bronze cart_events from generated stream events with faults, as bronze shapes Kafka rows, and the
    silver job's run over it. Late events are left out: lateness is the stream's (its watermark over
    arrival), which a pipeline update, a recompute of everything, does not have."""
    source = catalogue.source(STREAM_SOURCE)
    bronze = catalogue.table(source.table)
    config = StreamConfig(events=150, seed=31, fault_rate=0.3)
    events = [
        e for e in stream_events(source, config, StreamManifest(source.name)) if e.fault != "late_event"
    ]
    kafka = kafka_rows(spark, [e.body for e in events], keys=[e.key for e in events], topic="cart-events")
    rows = (
        kafka.transform(parse_events(source.columns))
        .transform(with_audit(0))
        .transform(catalogue_columns(bronze))
    )
    locations = LocalLocations(warehouse)
    create_table(spark, locations, bronze)
    locations.save(rows.write.mode("append"), bronze.key)
    silver = next(s for s, b in bronze_fed_tables(catalogue) if b.key == bronze.key)
    job = SilverJob(spark, catalogue, locations, silver, bronze, "stream-batch")
    job.prepare()
    counts = job.process(locations.read(spark, bronze.key), 0)
    # A duplicate is two events of one fault: count each event once.
    faults = Counter(e.fault for e in events if e.fault)
    faults["exact_duplicate"] //= 2
    return StreamBatch(locations, faults, counts)


def _bronze_root(root: Path, generated: Path, stream: LocalLocations, table: Table) -> Path:
    """One folder of bronze tables for the pipeline: the generated flow's, and the stream's `table`."""
    root.mkdir()
    for folder in sorted(generated.iterdir()):
        (root / folder.name).symlink_to(folder, target_is_directory=True)
    assert not (root / table.name).exists(), f"the generated flow wrote {table.key}; this module writes it"
    (root / table.name).symlink_to(Path(stream.path(table.key)), target_is_directory=True)
    return root


@pytest.fixture(scope="module")
def flow(
    generated_flow: GeneratedFlow, spark: SparkSession, tmp_path_factory: pytest.TempPathFactory
) -> PipelineFlow:
    root = tmp_path_factory.mktemp("pipeline")
    catalogue = load_catalogue()
    locations = generated_flow.locations
    as_of = data_as_of(spark, catalogue, locations)
    stream = _stream_bronze(spark, catalogue, root / "stream")
    bronze_table = catalogue.table(catalogue.source(STREAM_SOURCE).table)
    bronze = _bronze_root(
        root / "bronze", generated_flow.warehouse / "bronze", stream.locations, bronze_table
    )
    pipeline = local.write_spec(root / "pipeline", local.configuration(bronze, as_of.isoformat()))
    dry_run_lines: list[str] = []
    run_lines: list[str] = []
    with connect_server(pipeline, conf=TEST_SPARK_CONF) as url:  # one JVM for both commands
        local.run_pipeline(pipeline, "dry-run", remote=url, echo=dry_run_lines.append)
        tables_after_dry_run = _tables(pipeline)
        local.run_pipeline(pipeline, "run", remote=url, echo=run_lines.append)
    return PipelineFlow(
        generated_flow.manifest,
        generated_flow.result,
        locations,
        stream,
        as_of,
        pipeline,
        dry_run_lines,
        tables_after_dry_run,
        run_lines,
    )


def _events(catalogue: Catalogue) -> tuple[Table, Table]:
    bronze = catalogue.table(catalogue.source("events").table)
    silver = next(s for s, b in bronze_fed_tables(catalogue) if b.key == bronze.key)
    return silver, bronze


def test_dry_run_validates_the_graph_and_writes_no_table(flow: PipelineFlow) -> None:
    assert flow.dry_run_lines[-1] == "[pipeline] Run is COMPLETED."
    assert flow.tables_after_dry_run == []


def test_run_writes_every_silver_and_gold_table_with_catalogue_columns(
    spark: SparkSession, catalogue: Catalogue, flow: PipelineFlow
) -> None:
    expected = [
        t
        for layer in ("silver", "gold")
        for t in catalogue.tables_in(layer)
        if t.key not in _stream_fed(catalogue, written=False)
    ]

    assert flow.run_lines[-1] == "[pipeline] Run is COMPLETED."
    assert _tables(flow.pipeline) == sorted(dataset_name(t) for t in expected)
    for table in expected:
        assert tuple(flow.read(spark, table).columns) == table.column_names, table.key


def test_run_accounts_for_every_bronze_event(
    spark: SparkSession, catalogue: Catalogue, flow: PipelineFlow
) -> None:
    silver, bronze = _events(catalogue)
    assert silver.quarantine_table is not None
    kept = flow.read(spark, silver).count()
    quarantined = flow.read(spark, catalogue.table(silver.quarantine_table)).count()
    duplicates = flow.manifest.faults["events"]["exact_duplicate"]

    assert quarantined > 0
    assert duplicates > 0
    assert kept + quarantined + duplicates == flow.locations.read(spark, bronze.key).count()


def test_run_quarantines_events_under_the_rules_the_batch_job_counted(
    spark: SparkSession, catalogue: Catalogue, flow: PipelineFlow
) -> None:
    silver, _ = _events(catalogue)
    assert silver.quarantine_table is not None
    rows = flow.read(spark, catalogue.table(silver.quarantine_table)).collect()

    by_rule = Counter(rule for row in rows for rule in row["failed_rules"])

    assert by_rule == flow.batch.accounting.tables[silver.key].quarantined_by_rule
    assert {row["run_id"] for row in rows} == {f"pipeline-local-{flow.as_of.isoformat()}"}


@pytest.mark.parametrize("name", SILVER_TABLES)
def test_run_silver_table_equals_the_batch_job(
    spark: SparkSession, catalogue: Catalogue, flow: PipelineFlow, name: str
) -> None:
    table = next(t for t in catalogue.tables_in("silver") if t.name == name)
    columns = [name for name in table.column_names if name not in QUARANTINE_RUN_COLUMNS]

    pipeline = flow.read(spark, table).select(*columns)
    batch = flow.locations.read(spark, table.key).select(*columns)

    assertDataFrameEqual(pipeline, batch)


def test_run_stream_silver_table_and_quarantine_equal_the_silver_job(
    spark: SparkSession, catalogue: Catalogue, flow: PipelineFlow
) -> None:
    silver = next(s for s, b in bronze_fed_tables(catalogue) if b.source == STREAM_SOURCE)
    assert silver.quarantine_table is not None
    quarantine = catalogue.table(silver.quarantine_table)
    faults = flow.stream.faults
    assert all(
        faults[kind] > 0 for kind in ("malformed_json", "missing_key", "schema_drift", "exact_duplicate")
    )

    assertDataFrameEqual(flow.read(spark, silver), flow.stream.locations.read(spark, silver.key))
    rows = flow.read(spark, quarantine).collect()
    by_rule = Counter(rule for row in rows for rule in row["failed_rules"])
    assert by_rule == flow.stream.counts.quarantined_by_rule
    # Both find the events whose body carries an undeclared key, which bronze left in the body.
    assert by_rule["well_formed_record"] == faults["malformed_json"] + faults["schema_drift"]
    assert flow.stream.counts.rows_quarantined == len(rows)


def test_run_gold_daily_sales_summary_has_one_row_per_day_like_the_batch_job(
    spark: SparkSession, catalogue: Catalogue, flow: PipelineFlow
) -> None:
    table = next(t for t in catalogue.tables_in("gold") if t.name == "daily_sales_summary")
    silver, _ = _events(catalogue)
    rows = flow.read(spark, table)
    days = flow.read(spark, silver).select("event_date").distinct().count()

    assert rows.count() == rows.select("sales_date").distinct().count() == days >= CONFIG["days"]
    assertDataFrameEqual(rows, flow.locations.read(spark, table.key))


def test_run_as_of_gold_tables_describe_the_configured_day(
    spark: SparkSession, catalogue: Catalogue, flow: PipelineFlow
) -> None:
    as_of_tables = [t for t in catalogue.tables_in("gold") if "as_of_date" in t.column_names]

    assert as_of_tables
    for table in as_of_tables:
        days = {row[0] for row in flow.read(spark, table).select("as_of_date").distinct().collect()}
        assert days == {flow.as_of}, table.key


def test_dry_run_on_its_own_server_fails_naming_a_missing_configuration_key(tmp_path: Path) -> None:
    settings = local.configuration(tmp_path / "bronze", "2019-10-02")
    del settings[AS_OF]
    pipeline = local.write_spec(tmp_path / "broken", settings)

    # No `remote`: the command starts its own server, as `python -m lakehouse.pipelines.local` does.
    with pytest.raises(local.PipelineRunFailed, match=rf"dry-run failed .*{re.escape(AS_OF)} is missing"):
        local.run_pipeline(pipeline, "dry-run", echo=lambda _: None)


def test_a_server_that_cannot_start_fails_naming_its_log(tmp_path: Path) -> None:
    pipeline = local.write_spec(tmp_path / "pipeline", local.configuration(tmp_path / "bronze", "2019-10-02"))

    with pytest.raises(
        local.PipelineRunFailed,
        match=r"did not start .*\(exit [1-9]\d*\): .*Master must .*spark-connect-server\.log",
    ):
        start_connect_server(pipeline, master="no-such-master")


def test_main_fails_before_spark_when_bronze_tables_are_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bronze" / "events" / "_delta_log").mkdir(parents=True)

    code = local.main(["--bronze", str(tmp_path / "bronze"), "--out", str(tmp_path / "out")])

    assert code == 1
    assert re.search(r"has no bronze Delta tables .*orders.*lakehouse\.runner", capsys.readouterr().err)
    assert not (tmp_path / "out").exists()
