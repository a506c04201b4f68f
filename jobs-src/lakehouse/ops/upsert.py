"""Upsert of small ops rows (accounting, data-quality results, run records) keyed by business keys."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pyspark.sql import SparkSession

from lakehouse.catalogue import Table
from lakehouse.locations import TableLocations, create_table


def upsert_rows(
    spark: SparkSession, locations: TableLocations, table: Table, rows: Sequence[Mapping[str, object]]
) -> int:
    """MERGE `rows` (dicts by column name) into `table` on its business keys; creates the table if
    missing. Writing the same rows twice changes nothing. Returns the number of rows given."""
    if not rows:
        return 0
    unknown = sorted({name for row in rows for name in row} - set(table.column_names))
    if unknown:
        raise ValueError(f"{table.key}: rows have undeclared columns {unknown}")
    frame = spark.createDataFrame(
        [tuple(row.get(name) for name in table.column_names) for row in rows], table.spark_schema()
    )
    create_table(spark, locations, table)
    on = " AND ".join(f"t.`{key}` = s.`{key}`" for key in table.business_keys)
    (
        locations.delta(spark, table.key)
        .alias("t")
        .merge(frame.alias("s"), on)
        .whenMatchedUpdateAll()
        .whenNotMatchedInsertAll()
        .execute()
    )
    return len(rows)
