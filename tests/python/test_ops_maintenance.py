"""Table maintenance and the data-quality report on real local Delta tables."""

from __future__ import annotations

from datetime import datetime

import pytest
from pyspark.sql import SparkSession

from lakehouse.catalogue import Catalogue
from lakehouse.locations import LocalLocations, UnityCatalogLocations
from lakehouse.ops.maintenance import maintain_all, maintain_table, statistics_statement
from lakehouse.quality.report import dq_results_table, report


def test_maintain_table_compacts_small_files(spark: SparkSession, tmp_path) -> None:
    locations = LocalLocations(tmp_path)
    key = "bronze.sample"
    for i in range(4):
        spark.range(i * 10, i * 10 + 10).write.format("delta").mode("append").save(locations.path(key))
    before = spark.sql(f"DESCRIBE DETAIL delta.`{locations.path(key)}`").first().numFiles

    result = maintain_table(spark, locations, key, vacuum_retention_days=7)

    after = spark.sql(f"DESCRIBE DETAIL delta.`{locations.path(key)}`").first().numFiles
    assert before >= 4
    assert after == 1
    assert spark.read.format("delta").load(locations.path(key)).count() == 40
    assert result.analyzed is False


def test_statistics_statement_analyzes_catalog_tables_only(tmp_path) -> None:
    unity = UnityCatalogLocations("ecommerce_dev", "/Volumes/ecommerce_dev/ops/checkpoints")
    assert statistics_statement(unity, "gold.sample") == (
        "ANALYZE TABLE ecommerce_dev.gold.sample COMPUTE STATISTICS FOR ALL COLUMNS"
    )
    assert statistics_statement(LocalLocations(tmp_path), "gold.sample") is None


def test_maintain_table_refuses_vacuum_retention_below_7_days(spark: SparkSession, tmp_path) -> None:
    with pytest.raises(ValueError, match="vacuum retention must be >= 7 days, got 1"):
        maintain_table(spark, LocalLocations(tmp_path), "bronze.sample", vacuum_retention_days=1)


def test_maintain_all_skips_tables_not_created_yet(
    spark: SparkSession, catalogue: Catalogue, tmp_path
) -> None:
    lines: list[str] = []
    results = maintain_all(spark, catalogue, LocalLocations(tmp_path), 7, log=lines.append)
    assert results == []
    assert len(lines) == len(catalogue.tables)
    assert all(line.endswith("not created yet, skipped") for line in lines)


def _write_results(
    spark: SparkSession, catalogue: Catalogue, locations: LocalLocations, rows: list[tuple]
) -> None:
    key = dq_results_table(catalogue)
    table = catalogue.table(key)
    locations.create(spark, key, table.spark_schema())
    spark.createDataFrame(rows, table.spark_schema()).write.format("delta").mode("append").save(
        locations.path(key)
    )


def _row(
    run: str, table: str, expectation: str, passed: int, failed: int, limit: float, at: datetime
) -> tuple:
    return (run, table, expectation, "quarantine", passed, failed, failed / (passed + failed), limit, at)


def test_report_lists_breaches_of_the_latest_run_only(
    spark: SparkSession, catalogue: Catalogue, tmp_path
) -> None:
    locations = LocalLocations(tmp_path)
    _write_results(
        spark,
        catalogue,
        locations,
        [
            # An old run breached; the newest run breaches once and passes once.
            _row("run-1", "silver.t", "valid_price", 50, 50, 0.05, datetime(2024, 1, 1, 1)),
            _row("run-2", "silver.t", "valid_price", 90, 10, 0.05, datetime(2024, 1, 2, 1)),
            _row("run-2", "silver.t", "has_user", 99, 1, 0.05, datetime(2024, 1, 2, 1)),
        ],
    )
    assert report(spark, catalogue, locations) == [
        "silver.t: expectation valid_price failed 10.00% of rows (allowed 5.00%) in run run-2"
    ]


def test_report_is_empty_when_within_thresholds_or_no_results(
    spark: SparkSession, catalogue: Catalogue, tmp_path
) -> None:
    locations = LocalLocations(tmp_path)
    assert report(spark, catalogue, locations) == []
    _write_results(
        spark, catalogue, locations, [_row("r", "silver.t", "e", 99, 1, 0.05, datetime(2024, 1, 1))]
    )
    assert report(spark, catalogue, locations) == []
