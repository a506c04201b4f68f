"""Table maintenance: compact, VACUUM per retention, and refresh statistics of every catalogue table.

    table_maintenance --catalog ecommerce_prod --checkpoint-root /Volumes/... \\    # the wheel entry point
        --vacuum-retention-days 30

VACUUM keeps `--vacuum-retention-days` of removed files (the time-travel window, and the grace period
readers of old snapshots need); the environment sets it and the schema refuses less than 7 days. A table
that declares a longer window (`delta.deletedFileRetentionDuration`, which the catalogue sets on every
replicated table so `RESTORE` reaches back 30 days) keeps its own: VACUUM never runs shorter than that.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from pyspark.sql import SparkSession

from lakehouse.catalogue import Catalogue, load_catalogue
from lakehouse.locations import TableLocations, UnityCatalogLocations
from lakehouse.ops.existing_tables import existing_tables
from lakehouse.session import get_spark

MIN_VACUUM_RETENTION_DAYS = 7
DELETED_FILE_RETENTION = "delta.deletedFileRetentionDuration"
_INTERVAL = re.compile(r"^\s*(?:interval\s+)?(\d+)\s+(week|day|hour)s?\s*$", re.IGNORECASE)
_HOURS_PER_UNIT = {"week": 168.0, "day": 24.0, "hour": 1.0}


def interval_hours(value: str) -> float:
    """Hours of a Delta interval property such as `interval 30 days`; raises on a form it does not read,
    rather than guessing a shorter window."""
    match = _INTERVAL.match(value)
    if not match:
        raise ValueError(f"cannot read the Delta interval '{value}'; expected e.g. 'interval 30 days'")
    return int(match.group(1)) * _HOURS_PER_UNIT[match.group(2).lower()]


def vacuum_retention_hours(requested_hours: float, properties: Mapping[str, str]) -> float:
    """The VACUUM window of a table: the requested hours, or the table's own deleted-file retention when
    that is longer."""
    declared = properties.get(DELETED_FILE_RETENTION)
    return requested_hours if declared is None else max(requested_hours, interval_hours(declared))


@dataclass(frozen=True)
class MaintenanceResult:
    """What maintenance did to one table."""

    key: str
    files_removed: int
    analyzed: bool
    seconds: float
    vacuum_retention_hours: float = 0.0
    """The window VACUUM ran with: the requested one, or the table's own when longer."""


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
    hours = vacuum_retention_hours(vacuum_retention_days * 24.0, locations.properties(spark, key))
    removed = table.vacuum(retentionHours=hours)
    statement = statistics_statement(locations, key)
    if statement:
        spark.sql(statement)
    files_removed = removed.count() if removed is not None else 0
    return MaintenanceResult(key, files_removed, statement is not None, time.perf_counter() - started, hours)


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
    for table in existing_tables(spark, catalogue.tables, locations, "maintenance", log):
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
