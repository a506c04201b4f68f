"""Pipeline source: every gold table as a materialized view over the pipeline's silver tables.

Each is the full build of its module (`lakehouse.gold.<table>.build(ctx, inputs)` with no scope, the
contract in `lakehouse.gold.contract`), its inputs the silver datasets its catalogue `upstream` names.
As-of tables (RFM, CLV, churn features) hold the one snapshot of `lakehouse.as_of`: a materialized view
is recomputed whole, so earlier days' snapshots are not kept (the batch gold job keeps them).
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

spark = SparkSession.active()
catalogue = load_catalogue()
# Databricks' module is the one with native expectations; its bronze is in Unity Catalog.
config = read_config(spark.conf, databricks=has_native_expectations(dp))
context = GoldContext(as_of=config.as_of, snapshot_dates=(config.as_of,))


def define_gold(table: Table) -> None:
    """The materialized view of gold table `table`."""
    module = gold_module(table)
    upstream = [catalogue.table(key) for key in table.upstream]

    @dp.materialized_view(name=dataset_name(table), comment=table.description)
    @apply_expectations(dp, table)
    def rows() -> DataFrame:
        inputs = Inputs(table.key, {input_name(t.key): spark.read.table(dataset_name(t)) for t in upstream})
        return module.build(context, inputs, None).transform(catalogue_columns(table))


for gold_table in catalogue.tables_in("gold"):
    define_gold(gold_table)
