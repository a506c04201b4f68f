"""The data-quality report: fails when an expectation's failure rate passes its declared threshold.

    dq_report --catalog ecommerce_prod --checkpoint-root /Volumes/...          # the wheel entry point
    python -m lakehouse.quality.report --warehouse .cache/sample/warehouse      # a local warehouse

It reads the latest run's rows of the catalogue's data-quality results table (each row: table,
expectation, rows passed and failed, failure rate and the threshold the catalogue declares) and exits
non-zero listing every breach, so the job's failure notification reaches the owners.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.catalogue import Catalogue, load_catalogue
from lakehouse.locations import LocalLocations, TableLocations, UnityCatalogLocations
from lakehouse.session import get_spark

RESULTS_COLUMNS = ("run_id", "table_key", "expectation", "failure_rate", "max_failure_rate", "checked_at")


class QualityThresholdBreached(RuntimeError):
    """At least one expectation failed more often than the catalogue allows."""


def dq_results_table(catalogue: Catalogue) -> str:
    """Key of the ops table with per-expectation results (its `opsRecord: quality_results`)."""
    return catalogue.ops_table("quality_results", RESULTS_COLUMNS).key


def latest_run(results: DataFrame) -> DataFrame:
    """Rows of the most recent run (by its latest `checked_at`). Needs `run_id`, `checked_at`."""
    last = results.groupBy("run_id").agg(F.max("checked_at").alias("_last")).orderBy(F.desc("_last")).limit(1)
    return results.join(last.select("run_id"), "run_id")


def breaches(results: DataFrame) -> DataFrame:
    """Rows whose failure rate exceeds the threshold. Needs `failure_rate`, `max_failure_rate`."""
    return results.where(F.col("failure_rate") > F.col("max_failure_rate"))


def report(spark: SparkSession, catalogue: Catalogue, locations: TableLocations) -> list[str]:
    """Lines describing every breach of the latest run; empty when all expectations are within bounds."""
    key = dq_results_table(catalogue)
    if not locations.exists(spark, key):
        return []
    rows = breaches(latest_run(locations.read(spark, key))).orderBy("table_key", "expectation").collect()
    return [
        f"{r.table_key}: expectation {r.expectation} failed {r.failure_rate:.2%} of rows "
        f"(allowed {r.max_failure_rate:.2%}) in run {r.run_id}"
        for r in rows
    ]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="dq_report", description=__doc__.split("\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--catalog", help="Unity Catalog catalog of the environment")
    where.add_argument("--warehouse", type=Path, help="local warehouse folder (as the runner writes it)")
    parser.add_argument("--checkpoint-root", help="with --catalog: volume path of the stream checkpoints")
    args = parser.parse_args(argv)
    if args.catalog and not args.checkpoint_root:
        parser.error("--catalog needs --checkpoint-root")
    return args


def locations_of(args: argparse.Namespace) -> TableLocations:
    if args.warehouse is not None:
        return LocalLocations(args.warehouse)
    return UnityCatalogLocations(args.catalog, args.checkpoint_root)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    spark = get_spark("dq-report")
    problems = report(spark, load_catalogue(), locations_of(args))
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        raise QualityThresholdBreached(f"{len(problems)} expectation(s) over their failure threshold")
    print("data quality: every expectation within its threshold")
    return 0


if __name__ == "__main__":
    sys.exit(main())
