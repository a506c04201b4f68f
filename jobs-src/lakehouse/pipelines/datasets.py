"""Dataset names and the whole-table transforms the declarative pipeline defines its tables with.

The batch jobs write silver incrementally (append-new, latest-wins MERGE, SCD 2 MERGE, CDC MERGE, see
`lakehouse.silver.writers`). In the pipeline every silver and gold table is a materialized view,
recomputed from all of its input on each update, so each write strategy becomes the pure transform
giving the state those MERGEs converge to:

- append-new (events): one row per business key, picked as the batch job picks within a batch;
- latest wins (orders, order_items, SCD 1 dim_product): per key, the greatest `recency()` of the
  table's module;
- SCD 2 (dim_customer): the version chain of every key, consecutive versions with the same tracked
  hash merged, `effective_to` / `is_current` from the next version;
- CDC (support_tickets): per key the change with the highest sequence number; keys whose last change
  is a delete are absent.

SCD 2 and CDC use the same transforms as the batch MERGEs (`lakehouse.silver.history`), so there is one
definition of a version chain and of which change wins.

Names in the pipeline's own schema are `<layer>_<table>` (`silver_events`, `gold_clv`), derived from
the catalogue like everything else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import ModuleType

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.bronze.readers import SOURCE_FILE
from lakehouse.catalogue import Table
from lakehouse.conform import catalogue_columns
from lakehouse.silver.common import latest_per_key
from lakehouse.silver.history import (
    EFFECTIVE_TO,
    HASH_COLUMN,
    IS_CURRENT,
    NEXT_START,
    latest_change,
    tie_break,
    version_chain,
)
from lakehouse.silver.job import table_module


def dataset_name(table: Table) -> str:
    """The table's dataset name in the pipeline's schema: `<layer>_<table name>`."""
    return f"{table.layer}_{table.name}"


def checked_view_name(table: Table) -> str:
    """The temporary view holding a silver table's typed rows that passed its expectations."""
    return f"{dataset_name(table)}_checked"


def silver_module(table: Table) -> ModuleType:
    """The per-table logic the batch job uses too (`lakehouse.silver.job.table_module`)."""
    return table_module(table)


def current_rows(table: Table, columns: Sequence[str]) -> Callable[[DataFrame], DataFrame]:
    """The silver table's rows from all of its checked input rows (see the module docstring).

    Needs: `columns` (the input's columns: the silver columns, the bronze audit columns and, for CDC,
    the operation column). Returns exactly the silver columns.
    """
    keys = list(table.business_keys)
    if not keys:
        raise ValueError(f"{table.key}: a silver table built from bronze needs businessKeys in the catalogue")
    if table.scd is not None and table.scd.type == 2:
        return _scd2_versions(table, columns)
    if table.cdc is not None:
        return _cdc_current(table, columns)
    module = silver_module(table)
    order = module.recency() if hasattr(module, "recency") else F.col(SOURCE_FILE)
    latest = latest_per_key(keys, order, tie_break(table), columns)

    def transform(df: DataFrame) -> DataFrame:
        return df.transform(latest).transform(catalogue_columns(table))

    return transform


def _cdc_current(table: Table, columns: Sequence[str]) -> Callable[[DataFrame], DataFrame]:
    cdc = table.cdc
    assert cdc is not None
    latest = latest_change(table, columns)

    def transform(df: DataFrame) -> DataFrame:
        last = df.transform(latest)
        return last.where(F.col(cdc.operation_column) != "delete").transform(catalogue_columns(table))

    return transform


def _scd2_versions(table: Table, columns: Sequence[str]) -> Callable[[DataFrame], DataFrame]:
    # Of two inputs for the same version the greatest hash wins, as in merge_scd2 among batch rows.
    chain = version_chain(table, F.col(HASH_COLUMN), columns)

    def transform(df: DataFrame) -> DataFrame:
        chained = (
            df.transform(chain)
            .withColumn(EFFECTIVE_TO, F.col(NEXT_START))
            .withColumn(IS_CURRENT, F.col(NEXT_START).isNull())
        )
        return chained.transform(catalogue_columns(table))

    return transform
