"""The catalogue tables an ops job can work on: those that exist, with the others reported as skipped."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from pyspark.sql import SparkSession

from lakehouse.catalogue import Table
from lakehouse.locations import TableLocations


def existing_tables(
    spark: SparkSession,
    tables: Iterable[Table],
    locations: TableLocations,
    job: str,
    log: Callable[[str], None] = print,
) -> Iterator[Table]:
    """Yield each of `tables` that exists at `locations`; log `[<job>] <key>: not created yet, skipped` for
    each that does not (a new environment's jobs run before every table has had its first write)."""
    for table in tables:
        if locations.exists(spark, table.key):
            yield table
        else:
            log(f"[{job}] {table.key}: not created yet, skipped")
