"""Pipeline source: the silver tables and their quarantine tables, from the bronze Delta tables.

For every silver table the catalogue feeds from one bronze table:

- `<silver>_checked` (temporary view): the bronze rows typed and standardised by the table's module
  (`lakehouse.silver.<table>.standardise`, as in the batch job), with the catalogue's expectations
  applied by `apply_expectations` (native on Databricks, filters locally);
- `<silver>_quarantine` (materialized view): the rows failing `quarantine` rules, with their reasons;
- `<silver>` (materialized view): the table's current state from the checked rows
  (`lakehouse.pipelines.datasets.current_rows`).

Silver tables derived from another silver table (sessions) are rebuilt whole by their module's
`rebuild`. Bronze is read, not defined, here: the bronze stage writes it (Auto Loader on Databricks). Locally,
a silver table whose bronze table no run has written (an eventhub source read without a broker) is left out:
it is a temporary view with no rows instead, so the gold tables that read it still build (and no table is
written for it).
"""

from __future__ import annotations

from pyspark import pipelines as dp
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.catalogue import Table, load_catalogue
from lakehouse.pipelines.config import read_config
from lakehouse.pipelines.datasets import checked_view_name, current_rows, dataset_name, silver_module
from lakehouse.quality.expectations import QuarantineTarget, apply_expectations, has_native_expectations
from lakehouse.silver.common import bronze_record
from lakehouse.silver.job import bronze_fed_tables, derived_tables

spark = SparkSession.active()
catalogue = load_catalogue()
# Databricks' module is the one with native expectations; its bronze is in Unity Catalog.
config = read_config(spark.conf, databricks=has_native_expectations(dp))


def define_from_bronze(silver: Table, bronze: Table) -> None:
    """The checked view, quarantine and table of `silver`, fed by `bronze`."""
    typed = (
        config.read_bronze(spark, bronze)
        .transform(bronze_record(catalogue, bronze))
        .transform(silver_module(silver).standardise(silver, catalogue.parsing_of(bronze)))
    )
    # Query functions may not analyse a plan, so the columns are taken here, while the file loads.
    columns = typed.columns
    quarantine = None
    if silver.quarantine_table is not None:
        table = catalogue.table(silver.quarantine_table)
        quarantine = QuarantineTarget(table, dataset_name(table), config.run_id)

    @dp.temporary_view(name=checked_view_name(silver), comment=f"Rows of {silver.key} that pass its rules.")
    @apply_expectations(dp, silver, quarantine)
    def checked() -> DataFrame:
        return typed

    @dp.materialized_view(name=dataset_name(silver), comment=silver.description)
    def rows() -> DataFrame:
        return spark.read.table(checked_view_name(silver)).transform(current_rows(silver, columns))


def define_derived(silver: Table, upstream: Table) -> None:
    """`silver` rebuilt whole from the silver table it is derived from."""
    rebuild = silver_module(silver).rebuild(silver)

    @dp.materialized_view(name=dataset_name(silver), comment=silver.description)
    def rows() -> DataFrame:
        return spark.read.table(dataset_name(upstream)).transform(rebuild)


def define_no_rows(silver: Table) -> None:
    """`silver` as a temporary view with its columns and no rows (a stream's table no run has fed yet)."""
    columns = [F.lit(None).cast(c.type).alias(c.name) for c in silver.columns]

    @dp.temporary_view(name=dataset_name(silver), comment=f"{silver.key}: no bronze rows yet.")
    def rows() -> DataFrame:
        return spark.range(0).select(*columns)


for silver_table, bronze_table in bronze_fed_tables(catalogue):
    # Locally a stream's bronze table exists only after a run read the broker; its silver waits for it.
    if config.has_bronze(bronze_table):
        define_from_bronze(silver_table, bronze_table)
    else:
        define_no_rows(silver_table)
for silver_table, upstream_table in derived_tables(catalogue):
    define_derived(silver_table, upstream_table)
