"""Pipeline source: every gold table as a materialized view over the pipeline's silver tables.

Each is the full build of its module (`lakehouse.gold.<table>.build(ctx, inputs)` with no scope, the
contract in `lakehouse.gold.contract`), its inputs the silver datasets its catalogue `upstream` names.
As-of tables (RFM, CLV, churn features) hold the one snapshot of `lakehouse.as_of`: a materialized view
is recomputed whole, so earlier days' snapshots are not kept (the batch gold job keeps them). Locally, a
stream's silver table that the silver source leaves out (no run has written its bronze table yet) is read
as no rows, as the batch gold job reads the empty table it creates.
"""

from __future__ import annotations

from pyspark import pipelines as dp
from pyspark.sql import DataFrame, SparkSession

from lakehouse.catalogue import Table, load_catalogue
from lakehouse.conform import catalogue_columns
from lakehouse.gold.contract import GoldContext, Inputs
from lakehouse.gold.job import gold_module, input_name
from lakehouse.pipelines.config import read_config
from lakehouse.pipelines.datasets import dataset_name
from lakehouse.quality.expectations import apply_expectations, has_native_expectations
from lakehouse.silver.job import bronze_fed_tables

spark = SparkSession.active()
catalogue = load_catalogue()
# Databricks' module is the one with native expectations; its bronze is in Unity Catalog.
config = read_config(spark.conf, databricks=has_native_expectations(dp))
context = GoldContext(as_of=config.as_of, snapshot_dates=(config.as_of,))
bronze_of = {silver.key: bronze for silver, bronze in bronze_fed_tables(catalogue)}


def left_out(table: Table) -> bool:
    """Whether the silver source leaves `table` out: a bronze-fed table whose bronze no run wrote
    (locally)."""
    bronze = bronze_of.get(table.key)
    return bronze is not None and not config.has_bronze(bronze)


def define_gold(table: Table) -> None:
    """The materialized view of gold table `table`."""
    module = gold_module(table)
    upstream = [catalogue.table(key) for key in table.upstream]
    # Made here: a query function may not analyse a plan, and typing the catalogue's schema does.
    no_rows = {t.key: spark.createDataFrame([], t.spark_schema()) for t in upstream if left_out(t)}

    @dp.materialized_view(name=dataset_name(table), comment=table.description)
    @apply_expectations(dp, table)
    def rows() -> DataFrame:
        frames = {
            input_name(t.key): no_rows[t.key] if t.key in no_rows else spark.read.table(dataset_name(t))
            for t in upstream
        }
        inputs = Inputs(table.key, frames)
        return module.build(context, inputs, None).transform(catalogue_columns(table))


for gold_table in catalogue.tables_in("gold"):
    define_gold(gold_table)
