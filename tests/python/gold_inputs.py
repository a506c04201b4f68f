"""Hand-built silver inputs for the gold module tests, and the one way their results are compared.

Silver frames hold only the columns a test names, typed exactly as the catalogue declares them, so a
test row is as short as the module's needs and still has the real column types. Gold results are
cast to the catalogue's columns through `conform`, as the gold job does, before they are compared.
Table names come from the catalogue; no table key is written here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from types import ModuleType
from typing import Any

from chispa import assert_df_equality
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import StringType, StructField, StructType

from lakehouse.catalogue import Table, load_catalogue
from lakehouse.gold.contract import CHANGE_TYPE, GoldContext, Inputs
from lakehouse.gold.job import conform, input_name

CATALOGUE = load_catalogue()


def ts(text: str) -> datetime:
    """A UTC timestamp from `YYYY-MM-DD HH:MM` (midnight without the time), time-zone aware so Spark
    reads it as UTC whatever the machine's zone is."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def day(text: str) -> date:
    """A date from `YYYY-MM-DD`."""
    return date.fromisoformat(text)


def _table(layer: str, name: str) -> Table:
    matches = [table for table in CATALOGUE.tables_in(layer) if table.name == name]
    if len(matches) != 1:
        raise LookupError(f"the catalogue has no {layer} table named '{name}'")
    return matches[0]


def gold_table(module: ModuleType) -> Table:
    """The catalogue's gold table of a module `lakehouse.gold.<name>`."""
    return _table("gold", module.__name__.rsplit(".", 1)[1])


def _fields(table: Table, columns: Sequence[str]) -> list[StructField]:
    by_name = {field.name: field for field in table.spark_schema().fields}
    unknown = [name for name in columns if name not in by_name]
    if unknown:
        raise LookupError(f"{table.key} has no columns {unknown}; it has {list(by_name)}")
    return [by_name[name] for name in columns]


def silver(spark: SparkSession, name: str, columns: str, rows: Iterable[tuple[Any, ...]]) -> DataFrame:
    """Rows of the silver table `name` holding just `columns` (space separated), catalogue-typed."""
    schema = StructType(_fields(_table("silver", name), columns.split()))
    return spark.createDataFrame(list(rows), schema)


def changed(spark: SparkSession, name: str, columns: str, rows: Iterable[tuple[Any, ...]]) -> DataFrame:
    """Change feed rows of the silver table `name`: `columns`, then `_change_type` last in each row."""
    fields = [
        *_fields(_table("silver", name), columns.split()),
        StructField(CHANGE_TYPE, StringType(), False),
    ]
    return spark.createDataFrame(list(rows), StructType(fields))


def inputs(module: ModuleType, **frames: DataFrame) -> Inputs:
    """The Inputs of a gold module; fails unless `frames` are exactly its catalogue upstream tables."""
    table = gold_table(module)
    upstream = sorted(input_name(key) for key in table.upstream)
    if sorted(frames) != upstream:
        raise ValueError(f"{table.key} reads {upstream}, the test gives {sorted(frames)}")
    return Inputs(table.key, frames)


def scope(spark: SparkSession, module: ModuleType, *values: Any) -> DataFrame:
    """A scope frame of a module with one SCOPE column holding `values`, typed as the gold column."""
    (column,) = module.SCOPE
    schema = StructType(_fields(gold_table(module), [column]))
    return spark.createDataFrame([(value,) for value in values], schema)


def build_rows(
    module: ModuleType, ctx: GoldContext, given: Inputs, scope: DataFrame | None = None
) -> DataFrame:
    """`module.build`, cast to the catalogue's columns and types as the gold job does."""
    return conform(gold_table(module), module.build(ctx, given, scope))


def affected_values(module: ModuleType, ctx: GoldContext, changes: Inputs, given: Inputs) -> list[Any]:
    """`module.affected` of a one-column SCOPE, as a sorted list (a duplicate shows twice)."""
    (column,) = module.SCOPE
    rows = module.affected(ctx, changes, given).select(column).collect()
    return sorted(row[0] for row in rows)


def assert_rows(actual: DataFrame, expected: Sequence[tuple[Any, ...]]) -> None:
    """`actual` holds exactly the `expected` rows (in the column order of `actual`), in any order."""
    wanted = actual.sparkSession.createDataFrame(list(expected), actual.schema)
    assert_df_equality(actual, wanted, ignore_row_order=True)
