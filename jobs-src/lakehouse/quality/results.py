"""Data-quality results: per run, table and expectation, rows passed and failed and the action taken.

The counts come from the run's accounting (`TableCounts.rows_checked` and `failed_by_rule`, filled by
the silver and gold jobs as they evaluate the catalogue's expectations), so checking costs no extra
pass over the data. The report job (`lakehouse.quality.report`) fails on the rows over threshold.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pyspark.sql import SparkSession

from lakehouse.catalogue import Catalogue
from lakehouse.locations import TableLocations
from lakehouse.ops.accounting import RunAccounting
from lakehouse.ops.upsert import upsert_rows
from lakehouse.quality.report import dq_results_table


def dq_rows(catalogue: Catalogue, accounting: RunAccounting, checked_at: datetime) -> list[dict[str, object]]:
    """One row per expectation of every table the run checked, failures or not."""
    rows = []
    for key, counts in sorted(accounting.tables.items()):
        if counts.rows_checked == 0:
            continue
        for expectation in catalogue.table(key).expectations:
            failed = counts.failed_by_rule[expectation.name]
            rows.append(
                {
                    "run_id": accounting.run_id,
                    "table_key": key,
                    "expectation": expectation.name,
                    "action": expectation.action,
                    "rows_passed": counts.rows_checked - failed,
                    "rows_failed": failed,
                    "failure_rate": failed / counts.rows_checked,
                    "max_failure_rate": expectation.max_failure_rate,
                    "checked_at": checked_at,
                }
            )
    return rows


def write_dq_results(
    spark: SparkSession, catalogue: Catalogue, locations: TableLocations, accounting: RunAccounting
) -> int:
    """Upsert the run's results; returns the number of rows written (0 when nothing was checked)."""
    rows = dq_rows(catalogue, accounting, datetime.now(UTC))
    return upsert_rows(spark, locations, catalogue.table(dq_results_table(catalogue)), rows)
