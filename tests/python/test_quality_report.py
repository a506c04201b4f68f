"""Data-quality results and the report job: rows per expectation, and failure on a breached threshold."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from lakehouse.catalogue import Catalogue, Table
from lakehouse.locations import LocalLocations, UnityCatalogLocations
from lakehouse.ops.accounting import RunAccounting, TableCounts
from lakehouse.quality.report import locations_of, parse_args, report
from lakehouse.quality.results import dq_rows, write_dq_results

CHECKED_AT = datetime(2019, 10, 2, 6, 0, tzinfo=UTC)


def _checked_table(catalogue: Catalogue) -> Table:
    """A silver table with at least two expectations whose thresholds are below 50%."""
    for table in catalogue.tables_in("silver"):
        rules = table.expectations
        if len(rules) >= 2 and all(rule.max_failure_rate < 0.5 for rule in rules):
            return table
    raise AssertionError("the catalogue has no silver table with two expectations to test with")


def _run(run_id: str, table: Table, checked: int, failed: dict[str, int]) -> RunAccounting:
    run = RunAccounting(run_id)
    counts = TableCounts(table.key, rows_checked=checked, failed_by_rule=Counter(failed))
    run.record(counts, check=False)
    return run


def test_dq_rows_list_every_expectation_with_passed_failed_and_action(catalogue: Catalogue) -> None:
    table = _checked_table(catalogue)
    first, second = table.expectations[0], table.expectations[1]
    run = _run("run-1", table, checked=200, failed={first.name: 5})
    # A table the run read but did not check (rows_checked 0) has no rows.
    run.record(TableCounts(catalogue.tables_in("gold")[0].key, rows_read=3), check=False)

    rows = {row["expectation"]: row for row in dq_rows(catalogue, run, CHECKED_AT)}

    assert set(rows) == {rule.name for rule in table.expectations}
    assert {k: rows[first.name][k] for k in ("rows_passed", "rows_failed", "failure_rate", "action")} == {
        "rows_passed": 195,
        "rows_failed": 5,
        "failure_rate": 0.025,  # 5 / 200
        "action": first.action,
    }
    assert (rows[second.name]["rows_passed"], rows[second.name]["rows_failed"]) == (200, 0)
    assert all(row["table_key"] == table.key and row["run_id"] == "run-1" for row in rows.values())


def test_report_names_only_the_latest_runs_breaches(
    spark: SparkSession, catalogue: Catalogue, tmp_path: Path
) -> None:
    table = _checked_table(catalogue)
    first, second = table.expectations[0], table.expectations[1]
    locations = LocalLocations(tmp_path)
    over = int(200 * first.max_failure_rate) + 1  # one row past the threshold
    # An old run breached the second rule; only the latest run counts.
    write_dq_results(spark, catalogue, locations, _run("run-old", table, 100, {second.name: 100}))
    write_dq_results(spark, catalogue, locations, _run("run-new", table, 200, {first.name: over}))

    lines = report(spark, catalogue, locations)

    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{table.key}: expectation {first.name} failed ")
    assert lines[0].endswith("in run run-new")


def test_report_is_quiet_when_every_rate_is_within_its_threshold(
    spark: SparkSession, catalogue: Catalogue, tmp_path: Path
) -> None:
    table = _checked_table(catalogue)
    first = table.expectations[0]
    locations = LocalLocations(tmp_path)
    within = int(1000 * first.max_failure_rate / 2)  # half the allowed rate
    assert write_dq_results(
        spark, catalogue, locations, _run("run-ok", table, 1000, {first.name: within})
    ) == len(table.expectations)

    assert report(spark, catalogue, locations) == []


def test_report_without_results_table_reports_nothing(
    spark: SparkSession, catalogue: Catalogue, tmp_path: Path
) -> None:
    assert report(spark, catalogue, LocalLocations(tmp_path)) == []


def test_report_command_reads_a_local_warehouse_or_a_catalog(tmp_path: Path) -> None:
    local = locations_of(parse_args(["--warehouse", str(tmp_path)]))
    assert isinstance(local, LocalLocations)
    assert local.warehouse == tmp_path
    remote = locations_of(parse_args(["--catalog", "ecommerce_dev", "--checkpoint-root", "/Volumes/c/o/k"]))
    assert isinstance(remote, UnityCatalogLocations)
    assert remote.catalog == "ecommerce_dev"
    with pytest.raises(SystemExit):
        parse_args(["--catalog", "ecommerce_dev"])  # a catalog needs its checkpoint root
    with pytest.raises(SystemExit):
        parse_args(["--catalog", "ecommerce_dev", "--warehouse", str(tmp_path)])
