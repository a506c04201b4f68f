"""End to end: a generated landing folder with every fault kind, through the local runner.

One run (the session's shared generated flow) over 1,000 events with a 30 % fault rate, then checks
that every landing row is in bronze, every injected fault ends in quarantine under the rule that
describes it, the accounting adds up, CDC / SCD results match what the files say, and a second run
writes nothing.
"""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from generated_flow import RUN_ID, run_runner
from generated_flow import GeneratedFlow as Flow
from lakehouse import runner
from lakehouse.catalogue import Catalogue, Table
from lakehouse.generator import FILE_FAULTS, ROW_FAULTS, GeneratorConfig, generate
from lakehouse.generator.core import BAD_NUMBER, BAD_TIMESTAMP, DRIFT_COLUMN, UNKNOWN_EVENT_TYPE
from lakehouse.locations import LocalLocations
from lakehouse.ops.accounting import accounting_table
from lakehouse.ops.runs import pipeline_runs_table
from lakehouse.quality.report import dq_results_table
from lakehouse.silver.job import bronze_fed_tables


@pytest.fixture(scope="module")
def flow(generated_flow: Flow) -> Flow:
    """The session's shared run (conftest.py): 1,000 events over 3 days with 30 % faults."""
    return generated_flow


def _silver_for(catalogue: Catalogue, source: str) -> tuple[Table, Table]:
    bronze = catalogue.table(catalogue.source(source).table)
    return next((s, b) for s, b in bronze_fed_tables(catalogue) if b.key == bronze.key)


def _quarantined(spark: SparkSession, catalogue: Catalogue, flow: Flow, source: str) -> DataFrame:
    """The source's quarantine rows with the original bronze record parsed back into columns."""
    silver, bronze = _silver_for(catalogue, source)
    assert silver.quarantine_table is not None
    rows = flow.locations.read(spark, silver.quarantine_table)
    schema = bronze.spark_schema().simpleString()
    return rows.withColumn("r", F.from_json("record", schema)).select("failed_rules", "r.*")


def test_generate_covers_every_fault_kind(flow: Flow) -> None:
    missing = [(s, k) for s, kinds in ROW_FAULTS.items() for k in kinds if not flow.faults[s][k]]
    missing += [("events", k) for k in FILE_FAULTS if not flow.faults["events"][k]]
    assert missing == []


def test_run_keeps_every_landing_row_in_bronze(spark: SparkSession, catalogue: Catalogue, flow: Flow) -> None:
    counts = {name: flow.locations.read(spark, catalogue.source(name).table).count() for name in flow.rows}
    assert counts == dict(flow.rows)


def test_run_accounting_adds_up_for_every_silver_table(
    spark: SparkSession, catalogue: Catalogue, flow: Flow
) -> None:
    ops = flow.locations.read(spark, accounting_table(catalogue).key).where(F.col("run_id") == RUN_ID)
    by_table = {row["table_key"]: row for row in ops.collect()}
    for silver, bronze in bronze_fed_tables(catalogue):
        if catalogue.source(bronze.source or "").kind == "eventhub":
            continue  # the generated flow reads no broker; test_streaming_eventhub.py checks these
        row = by_table[silver.key]
        assert row["rows_read"] == flow.locations.read(spark, bronze.key).count(), silver.key
        assert row["rows_read"] == (
            row["rows_written"]
            + row["rows_quarantined"]
            + row["rows_dropped"]
            + row["rows_deduplicated"]
            + row["rows_late"]
        ), silver.key
        assert row["rows_quarantined"] == flow.locations.read(spark, silver.quarantine_table).count(), (
            silver.key
        )


# (source, fault kinds, predicate on the original bronze record, rule the rows must have failed)
FAULT_CASES = [
    ("events", ("bad_timestamp",), f"event_time = '{BAD_TIMESTAMP} UTC'", "valid_event_time"),
    ("events", ("non_numeric_price",), f"price = '{BAD_NUMBER}'", "valid_price"),
    ("events", ("negative_price",), "price LIKE '-%'", "valid_price"),
    ("events", ("unknown_event_type",), f"event_type = '{UNKNOWN_EVENT_TYPE}'", "known_event_type"),
    (
        "events",
        ("missing_key",),
        "_rescued_data IS NULL AND (product_id IS NULL OR user_id IS NULL OR user_session IS NULL)",
        None,
    ),
    (
        "events",
        ("wrong_field_count", "truncated_last_line"),
        "_rescued_data LIKE '%_corrupt_record%'",
        "well_formed_record",
    ),
    ("events", ("schema_drift",), f"_rescued_data LIKE '%{DRIFT_COLUMN}%'", "well_formed_record"),
    ("orders", ("wrong_field_count",), "_rescued_data IS NOT NULL", "well_formed_record"),
    ("orders", ("bad_timestamp",), f"order_purchase_timestamp = '{BAD_TIMESTAMP}'", "valid_purchase_time"),
    ("orders", ("missing_key",), "_rescued_data IS NULL AND (order_id IS NULL OR customer_id IS NULL)", None),
    ("order_items", ("non_numeric_price",), f"price = '{BAD_NUMBER}'", "valid_price"),
    ("order_items", ("negative_price",), "freight_value LIKE '-%'", "valid_freight"),
    ("order_items", ("missing_key",), "order_id IS NULL OR product_id IS NULL", None),
    ("customers", ("malformed_json",), "_rescued_data LIKE '%_corrupt_record%'", "well_formed_record"),
    ("customers", ("bad_timestamp",), f"updated_at = '{BAD_TIMESTAMP}'", "valid_updated_at"),
    ("customers", ("missing_key",), "_rescued_data IS NULL AND customer_id IS NULL", "has_customer_id"),
    ("products", ("negative_price",), "list_price LIKE '-%'", "valid_list_price"),
    ("products", ("bad_timestamp",), f"updated_at = '{BAD_TIMESTAMP}'", "valid_updated_at"),
    ("products", ("missing_key",), "product_id IS NULL", "has_product_id"),
    ("support_tickets", ("missing_sequence",), "sequence_number IS NULL", "has_sequence"),
]

MISSING_KEY_RULES = {
    "product_id": "has_product",
    "user_id": "has_user",
    "user_session": "has_session",
    "order_id": "has_order_id",
    "customer_id": "has_customer",
}


@pytest.mark.parametrize(
    ("source", "kinds", "predicate", "rule"),
    FAULT_CASES,
    ids=[f"{c[0]}-{'+'.join(c[1])}" for c in FAULT_CASES],
)
def test_run_quarantines_fault_with_its_rule(
    spark: SparkSession,
    catalogue: Catalogue,
    flow: Flow,
    source: str,
    kinds: tuple[str, ...],
    predicate: str,
    rule: str | None,
) -> None:
    rows = _quarantined(spark, catalogue, flow, source).where(predicate).collect()
    assert len(rows) == sum(flow.faults[source][kind] for kind in kinds) > 0
    for row in rows:
        if rule is None:  # a missing key fails the rule of the column that is missing
            values = row.asDict()
            expected = {
                rule for name, rule in MISSING_KEY_RULES.items() if name in values and values[name] is None
            }
            assert expected, row
            assert expected <= set(row["failed_rules"]), row
        else:
            assert rule in row["failed_rules"], row


def test_run_keeps_drifted_column_values(spark: SparkSession, catalogue: Catalogue, flow: Flow) -> None:
    bronze = flow.locations.read(spark, catalogue.source("events").table)
    rescued = bronze.where(F.col("_rescued_data").contains(DRIFT_COLUMN))
    values = sorted(json.loads(row["_rescued_data"])[DRIFT_COLUMN] for row in rescued.collect())
    assert values == [f"https://partner.example/{i}" for i in range(3)]
    # Declared columns of the drifted file are matched by name, not shifted.
    assert sorted(row["user_session"] for row in rescued.collect()) == [
        f"drift-session-{i}" for i in range(3)
    ]


def test_run_removes_exact_duplicates_and_keeps_late_events(
    spark: SparkSession, catalogue: Catalogue, flow: Flow
) -> None:
    silver, _ = _silver_for(catalogue, "events")
    accounting = flow.result.accounting.tables[silver.key]
    assert accounting.rows_deduplicated == flow.faults["events"]["exact_duplicate"]
    events = flow.locations.read(spark, silver.key)
    file_date = F.to_date(F.regexp_extract("_source_file", r"(\d{4}-\d{2}-\d{2})", 1))
    late = events.where(F.col("event_date") < F.date_sub(file_date, 1)).count()
    assert late == flow.faults["events"]["late_event"]


def test_run_reads_nothing_from_the_empty_file(spark: SparkSession, catalogue: Catalogue, flow: Flow) -> None:
    bronze = flow.locations.read(spark, catalogue.source("events").table)
    assert bronze.where(F.col("_source_file").endswith("-empty.csv")).count() == 0


def _expected_tickets(landing: Path, catalogue: Catalogue) -> dict[int, tuple[str, int]]:
    """Ticket -> (status, sequence) from the landing files: highest valid sequence wins, deletes remove."""
    source = catalogue.source("support_tickets")
    latest: dict[int, dict[str, str]] = {}
    for path in sorted((landing / source.name).iterdir()):
        for line in path.read_text(encoding="utf-8").splitlines():
            change = json.loads(line)
            if change["sequence_number"] is None:
                continue
            ticket = int(change["ticket_id"])
            if ticket not in latest or int(change["sequence_number"]) > int(
                latest[ticket]["sequence_number"]
            ):
                latest[ticket] = change
    return {
        ticket: (change["status"], int(change["sequence_number"]))
        for ticket, change in latest.items()
        if change["operation"] != "delete"
    }


def test_run_applies_ticket_changes_highest_sequence_wins(
    spark: SparkSession, catalogue: Catalogue, flow: Flow
) -> None:
    silver, _ = _silver_for(catalogue, "support_tickets")
    stored = {
        row["ticket_id"]: (row["status"], row["sequence_number"])
        for row in flow.locations.read(spark, silver.key).collect()
    }
    assert stored == _expected_tickets(flow.landing, catalogue)
    assert flow.faults["support_tickets"]["out_of_order_cdc"] > 0
    assert flow.faults["support_tickets"]["unknown_delete"] > 0


def test_run_builds_a_consistent_customer_history(
    spark: SparkSession, catalogue: Catalogue, flow: Flow
) -> None:
    silver, _ = _silver_for(catalogue, "customers")
    versions: dict[int, list] = {}
    for row in flow.locations.read(spark, silver.key).orderBy("customer_id", "effective_from").collect():
        versions.setdefault(row["customer_id"], []).append(row)
    assert versions
    for chain in versions.values():
        assert [v["is_current"] for v in chain] == [False] * (len(chain) - 1) + [True]
        assert [v["effective_to"] for v in chain] == [v["effective_from"] for v in chain[1:]] + [None]
        hashes = [v["row_hash"] for v in chain]
        assert all(a != b for a, b in pairwise(hashes)), "a no-op change made a version"


def test_run_builds_sessions_from_events(spark: SparkSession, catalogue: Catalogue, flow: Flow) -> None:
    events_table, _ = _silver_for(catalogue, "events")
    sessions_table = next(t for t in catalogue.tables_in("silver") if t.upstream == (events_table.key,))
    events = flow.locations.read(spark, events_table.key)
    sessions = flow.locations.read(spark, sessions_table.key)
    assert sessions.count() == events.select("user_session").distinct().count()
    totals = sessions.agg(F.sum("views"), F.sum("purchases")).collect()[0]
    assert totals[0] == events.where("event_type = 'view'").count()
    assert totals[1] == events.where("event_type = 'purchase'").count()


def test_run_collects_file_statistics_only_on_the_catalogue_stats_columns(
    spark: SparkSession, catalogue: Catalogue, flow: Flow
) -> None:
    created = [t for t in catalogue.tables if flow.locations.exists(spark, t.key)]
    for table in created:
        delta = flow.locations.delta(spark, table.key)
        properties = delta.detail().collect()[0]["properties"]
        assert properties["delta.dataSkippingStatsColumns"] == ",".join(table.stats_columns), table.key
    # Tables gold reads are created even when no source fed them (the eventhub sources without a broker).
    written = [t for t in created if flow.locations.file_count(spark, t.key) > 0]
    assert {t.layer for t in written} >= {"bronze", "silver", "gold", "ops"}
    for table in written:
        log = Path(flow.locations.path(table.key)) / "_delta_log"
        actions = [json.loads(line) for file in sorted(log.glob("*.json")) for line in file.open()]
        stats = [json.loads(a["add"]["stats"]) for a in actions if "add" in a and a["add"].get("stats")]
        assert stats, f"{table.key}: no data file with statistics"
        for file_stats in stats:
            # Other columns have no min/max/null count at all: Delta did not compute them on write.
            assert set(file_stats["nullCount"]) <= set(table.stats_columns), table.key


def test_run_again_without_new_files_writes_nothing(
    spark: SparkSession, catalogue: Catalogue, flow: Flow
) -> None:
    records = pipeline_runs_table(catalogue).key
    keys = [t.key for t in catalogue.tables if flow.locations.exists(spark, t.key) and t.key != records]

    def versions() -> dict[str, int]:
        return {k: flow.locations.delta(spark, k).history(1).collect()[0]["version"] for k in keys}

    before = versions()
    result = run_runner(spark, flow.landing, flow.warehouse, "run-2")
    assert versions() == before
    assert all(counts.rows_read == 0 for counts in result.accounting.tables.values())
    assert {g.mode for g in result.gold} == {"unchanged"}
    stages = flow.locations.read(spark, records).where("run_id = 'run-2'").select("status").distinct()
    assert [r.status for r in stages.collect()] == ["succeeded"]


def test_run_records_data_quality_results_per_expectation(
    spark: SparkSession, catalogue: Catalogue, flow: Flow
) -> None:
    results = flow.locations.read(spark, dq_results_table(catalogue)).where(F.col("run_id") == RUN_ID)
    accounting = flow.locations.read(spark, accounting_table(catalogue).key).where(F.col("run_id") == RUN_ID)
    checked = 0
    for silver, bronze in bronze_fed_tables(catalogue):
        if catalogue.source(bronze.source or "").kind == "eventhub":
            continue  # the generated flow reads no broker
        counts = accounting.where(F.col("table_key") == silver.key).first()
        rows = {r.expectation: r for r in results.where(F.col("table_key") == silver.key).collect()}
        assert set(rows) == {e.name for e in silver.expectations}, silver.key
        for expectation in silver.expectations:
            row = rows[expectation.name]
            assert row.action == expectation.action
            assert row.rows_passed + row.rows_failed == counts.rows_read
            assert row.max_failure_rate == expectation.max_failure_rate
            if expectation.action == "quarantine":
                assert row.rows_failed >= counts.quarantined_by_rule.get(expectation.name, 0)
            checked += row.rows_failed
    assert checked > 0, "a 30 % fault rate must fail some expectations"


def test_run_records_every_stage_and_fails_the_quality_stage_on_breached_thresholds(
    spark: SparkSession, catalogue: Catalogue, flow: Flow
) -> None:
    records = flow.locations.read(spark, pipeline_runs_table(catalogue).key)
    rows = records.where(F.col("run_id") == RUN_ID).collect()
    stages = {r.stage: r for r in rows}
    gold = {f"gold:{t.name}" for t in catalogue.tables_in("gold")}
    assert {"bronze", "silver", "derived", "accounting", "quality"} | gold <= set(stages)
    assert {r.status for s, r in stages.items() if s != "quality"} == {"succeeded"}
    assert all(r.duration_seconds >= 0 for r in rows)
    # A 30 % fault rate breaches the 5 % thresholds: the run fails, naming every breached rule.
    breached = flow.result.failed_thresholds
    assert breached, "a 30 % fault rate must breach some threshold"
    quality = stages["quality"]
    assert quality.status == "failed"
    for breach in breached:
        assert breach.failure_rate > breach.max_failure_rate
        assert f"{breach.table} {breach.rule}" in quality.error


def test_runner_exits_non_zero_naming_the_breached_rules(
    flow: Flow, capsys: pytest.CaptureFixture[str]
) -> None:
    assert runner.finish(flow.result, 1.0) == 1
    err = capsys.readouterr().err
    first = flow.result.failed_thresholds[0]
    assert "runner: FAILED after 1.0s: quality thresholds breached: " in err
    assert f"{first.table} {first.rule} ({first.failure_rate:.2%} > {first.max_failure_rate:.2%})" in err


def test_run_without_faults_breaches_nothing_and_exits_zero(
    spark: SparkSession, catalogue: Catalogue, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    generate(GeneratorConfig(out=tmp_path / "landing", events=200, days=1, seed=2, fault_rate=0.0), catalogue)
    result = run_runner(spark, tmp_path / "landing", tmp_path / "warehouse", "clean-1", "--no-gold")
    assert result.breaches == []
    assert runner.finish(result, 2.0) == 0
    assert "runner: done in 2.0s" in capsys.readouterr().out
    rows = LocalLocations(tmp_path / "warehouse").read(spark, pipeline_runs_table(catalogue).key).collect()
    assert {r.stage: r.status for r in rows}["quality"] == "succeeded"
