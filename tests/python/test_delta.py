"""Delta Lake through the session builder: create, write, read back, MERGE (upsert + delete), time travel.

The table shape comes from the fixture catalogue, the way jobs take it from the real one, so this
also checks that `Table.spark_schema()` produces a schema Delta stores and returns unchanged.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from chispa import assert_df_equality
from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import StringType, StructField

from lakehouse.catalogue import Catalogue, Table

OPERATION = "_op"


def _frame(spark: SparkSession, table: Table, rows: list[tuple[object, ...]]) -> DataFrame:
    return spark.createDataFrame(rows, table.spark_schema())


def _changes(spark: SparkSession, table: Table, rows: list[tuple[object, ...]]) -> DataFrame:
    schema = table.spark_schema()
    schema.add(StructField(OPERATION, StringType(), nullable=False))
    return spark.createDataFrame(rows, schema)


def test_write_read_merge_and_time_travel(spark: SparkSession, fixture_catalogue: Catalogue) -> None:
    table = next(t for t in fixture_catalogue.tables if t.cdc is not None)
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS {table.schema}")
    t0, t1 = datetime(2026, 1, 1, 8, 0), datetime(2026, 1, 2, 9, 30)
    initial = [
        (1, "one", "a@example.com", Decimal("1.50"), ["x"], t0),
        (2, "two", None, Decimal("2.00"), [], t0),
        (3, "three", "c@example.com", None, None, t0),
    ]
    # Created from the catalogue schema first: a CTAS from a DataFrame would drop NOT NULL.
    DeltaTable.create(spark).tableName(table.key).addColumns(table.spark_schema()).execute()
    _frame(spark, table, initial).write.format("delta").mode("append").saveAsTable(table.key)

    assert_df_equality(spark.table(table.key), _frame(spark, table, initial), ignore_row_order=True)

    changes = _changes(
        spark,
        table,
        [
            (2, "two v2", "b@example.com", Decimal("2.25"), ["y", "z"], t1, "update"),
            (3, "three", "c@example.com", None, None, t1, "delete"),
            (4, "four", None, Decimal("0.00"), ["new"], t1, "insert"),
        ],
    )
    on = " AND ".join(f"t.{key} = s.{key}" for key in table.business_keys)
    values = {name: f"s.{name}" for name in table.column_names}
    (
        DeltaTable.forName(spark, table.key)
        .alias("t")
        .merge(changes.alias("s"), on)
        .whenMatchedDelete(condition=f"s.{OPERATION} = 'delete'")
        .whenMatchedUpdate(set=values)
        .whenNotMatchedInsert(condition=f"s.{OPERATION} <> 'delete'", values=values)
        .execute()
    )

    expected = [
        (1, "one", "a@example.com", Decimal("1.50"), ["x"], t0),
        (2, "two v2", "b@example.com", Decimal("2.25"), ["y", "z"], t1),
        (4, "four", None, Decimal("0.00"), ["new"], t1),
    ]
    assert_df_equality(spark.table(table.key), _frame(spark, table, expected), ignore_row_order=True)

    history = DeltaTable.forName(spark, table.key).history().orderBy("version").collect()
    assert [(row.version, row.operation) for row in history] == [
        (0, "CREATE TABLE"),
        (1, "WRITE"),
        (2, "MERGE"),
    ]
    merge_metrics = history[2].operationMetrics
    assert (merge_metrics["numTargetRowsUpdated"], merge_metrics["numTargetRowsDeleted"]) == ("1", "1")
    assert merge_metrics["numTargetRowsInserted"] == "1"

    before_merge = spark.sql(f"SELECT * FROM {table.key} VERSION AS OF 1")
    assert_df_equality(before_merge, _frame(spark, table, initial), ignore_row_order=True)
