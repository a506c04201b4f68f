"""What a run does per table, the same in both ways of running the flow: the local runner
(`lakehouse.runner`, every source and table in one process) and the Databricks medallion job
(`lakehouse.jobs.medallion`, one task per source or table).

Both ask here which job builds a silver table, and both record and judge a run's accounting here, so a
threshold breached on a laptop fails the run exactly as it fails a job task.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from pyspark.sql import SparkSession

from lakehouse.catalogue import Catalogue, Table
from lakehouse.locations import TableLocations
from lakehouse.ops.accounting import RunAccounting, accounting_table, write_accounting
from lakehouse.ops.runs import RunLog
from lakehouse.quality.results import (
    Breach,
    ThresholdsBreached,
    describe_breach,
    quarantine_samples,
    threshold_breaches,
    write_dq_results,
)
from lakehouse.silver.job import DerivedJob, SilverJob, bronze_fed_tables, derived_tables


def silver_job(
    spark: SparkSession, catalogue: Catalogue, locations: TableLocations, table: Table, run_id: str
) -> SilverJob | DerivedJob:
    """The stream job that builds silver table `table`: from its bronze table, or from the silver table it
    is derived from. Raises naming the tables the silver stage builds when `table` is none of them."""
    bronze = {silver.key: b for silver, b in bronze_fed_tables(catalogue)}
    derived = {silver.key: upstream for silver, upstream in derived_tables(catalogue)}
    if table.key in bronze:
        return SilverJob(spark, catalogue, locations, table, bronze[table.key], run_id)
    if table.key in derived:
        return DerivedJob(spark, catalogue, locations, table, derived[table.key], run_id)
    built = ", ".join(sorted([*bronze, *derived]))
    raise ValueError(f"{table.key} is not built by the silver stage; it builds: {built}")


def record_accounting(
    spark: SparkSession, catalogue: Catalogue, locations: TableLocations, accounting: RunAccounting
) -> tuple[int, int]:
    """Upsert the run's accounting rows and its data-quality results; returns how many of each."""
    written = write_accounting(spark, accounting_table(catalogue), locations, accounting)
    checks = write_dq_results(spark, catalogue, locations, accounting)
    return written, checks


def judge_thresholds(
    spark: SparkSession,
    catalogue: Catalogue,
    locations: TableLocations,
    accounting: RunAccounting,
    run_log: RunLog,
    log: Callable[[str], None],
) -> list[Breach]:
    """Every rule of the run over its `maxFailureRate`, each printed with a sample of the records it
    quarantined; a breached `onBreach: fail` rule marks the run's `quality` stage failed. The rows already
    written and accounted for stay where the run put them. Returns the breaches (warn and fail)."""
    breaches = threshold_breaches(catalogue, accounting)
    for breach in breaches:
        samples = quarantine_samples(spark, catalogue, locations, breach, accounting.run_id)
        log(describe_breach(breach, samples))
    failed = [b for b in breaches if b.on_breach == "fail"]
    with contextlib.suppress(ThresholdsBreached), run_log.stage("quality"):
        if failed:
            raise ThresholdsBreached(failed)
    return breaches
