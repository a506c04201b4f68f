"""Table maintenance: compact, VACUUM per retention, and refresh statistics of every catalogue table.

    table_maintenance --catalog ecommerce_prod --checkpoint-root /Volumes/... \\    # the wheel entry point
        --vacuum-retention-days 30

VACUUM keeps `--vacuum-retention-days` of removed files (the time-travel window, and the grace period
readers of old snapshots need); the environment sets it and the schema refuses less than 7 days.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pyspark.sql import SparkSession

from lakehouse.catalogue import Catalogue, load_catalogue
from lakehouse.locations import TableLocations, UnityCatalogLocations
from lakehouse.session import get_spark

MIN_VACUUM_RETENTION_DAYS = 7


@dataclass(frozen=True)
class MaintenanceResult:
    """What maintenance did to one table."""

    key: str
    files_removed: int
    analyzed: bool
    seconds: float


def maintain_table(
    spark: SparkSession, locations: TableLocations, key: str, vacuum_retention_days: int
) -> MaintenanceResult:
    """OPTIMIZE (bin-packing, or liquid clustering where declared), VACUUM, then table statistics."""
    if vacuum_retention_days < MIN_VACUUM_RETENTION_DAYS:
        raise ValueError(
            f"vacuum retention must be >= {MIN_VACUUM_RETENTION_DAYS} days, got {vacuum_retention_days}: "
            "shorter retention can delete files that running readers still need"
        )
    started = time.perf_counter()
    table = locations.delta(spark, key)
    table.optimize().executeCompaction()
    removed = table.vacuum(retentionHours=vacuum_retention_days * 24.0)
    statement = statistics_statement(locations, key)
    if statement:
        spark.sql(statement)
    files_removed = removed.count() if removed is not None else 0
    return MaintenanceResult(key, files_removed, statement is not None, time.perf_counter() - started)


def statistics_statement(locations: TableLocations, key: str) -> str | None:
    """The ANALYZE statement for a catalog table, or None for a local folder.

    Open-source Spark cannot ANALYZE path-based (v2) Delta tables; their file statistics are written
    with every commit, which is what data skipping uses locally.
    """
    if isinstance(locations, UnityCatalogLocations):
        return f"ANALYZE TABLE {locations.name(key)} COMPUTE STATISTICS FOR ALL COLUMNS"
    return None


def maintain_all(
    spark: SparkSession,
    catalogue: Catalogue,
    locations: TableLocations,
    vacuum_retention_days: int,
    log: Callable[[str], None] = print,
) -> list[MaintenanceResult]:
    """Maintain every catalogue table that exists; tables not created yet are skipped and reported."""
    results = []
    for table in catalogue.tables:
        if not locations.exists(spark, table.key):
            log(f"[maintenance] {table.key}: not created yet, skipped")
            continue
        result = maintain_table(spark, locations, table.key, vacuum_retention_days)
        analyzed = ", analyzed" if result.analyzed else ""
        log(f"[maintenance] {table.key}: optimized, vacuumed{analyzed} in {result.seconds:.1f}s")
        results.append(result)
    return results


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="table_maintenance", description=__doc__.split("\n")[0])
    parser.add_argument("--catalog", required=True, help="Unity Catalog catalog of the environment")
    parser.add_argument("--checkpoint-root", required=True, help="volume path of the stream checkpoints")
    parser.add_argument("--vacuum-retention-days", type=int, required=True, help="VACUUM retention in days")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    spark = get_spark("table-maintenance")
    locations = UnityCatalogLocations(args.catalog, args.checkpoint_root)
    maintain_all(spark, load_catalogue(), locations, args.vacuum_retention_days)
    return 0


if __name__ == "__main__":
    sys.exit(main())
