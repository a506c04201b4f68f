"""How a silver table keeps history: SCD 2 version chains and CDC change order, defined once.

The batch writers (`lakehouse.silver.writers.merge_scd2` / `merge_cdc`) apply these transforms to a batch
together with the stored rows of the keys it touches and MERGE the difference; the declarative pipeline
(`lakehouse.pipelines.datasets`) applies the same transforms to all of a table's input and materialises
the result. Both therefore converge on the same rows, which the pipeline tests check table by table.

Why not Lakeflow's AUTO CDC in the pipeline: open-source Spark Declarative Pipelines (the pinned pyspark,
what the tests run) offers AUTO CDC with SCD type 1 only, so the type 2 customer dimension could not run
locally, and the pipeline's tables could no longer be compared row for row with the jobs'.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from lakehouse.catalogue import Table
from lakehouse.silver.common import latest_per_key

HASH_COLUMN = "row_hash"
"""Hash of an SCD 2 table's tracked columns: equal hashes mean equal versions."""
EFFECTIVE_TO = "effective_to"
IS_CURRENT = "is_current"
NEXT_START = "_next_start"
"""Start of the next version of the same key (NULL for the current one), added by `version_chain`."""


def tie_break(table: Table) -> list[str]:
    """Columns whose content decides between two rows that rank equal: the table's own columns."""
    return [name for name in table.column_names if not name.startswith("_")]


def version_chain(
    table: Table, prefer: Column, columns: Sequence[str] | None = None, *, one_aggregate: bool = False
) -> Callable[[DataFrame], DataFrame]:
    """The SCD 2 version chain of every key in the input.

    A version is (business keys, event time column). Of rows with the same version, the one with the
    greatest `prefer` is kept (ties by content); a version whose `row_hash` equals the previous version's
    is no version and is left out. Needs: the business keys, the event time column, `row_hash` and
    `columns` (default: the input's). Adds `_next_start`, the next version's start (NULL when current).
    `one_aggregate`: see `latest_per_key`.
    """
    keys, start = list(table.business_keys), table.event_time_column
    if start is None or table.scd is None or not keys:
        raise ValueError(
            f"{table.key}: SCD type 2 needs businessKeys, an eventTimeColumn and scd.trackedColumns"
        )
    versions = latest_per_key([*keys, start], prefer, tie_break(table), columns, one_aggregate=one_aggregate)
    chain = Window.partitionBy(*keys).orderBy(start)

    def transform(df: DataFrame) -> DataFrame:
        # Select the input's columns rather than drop() the helper: Spark Connect resolves drop() at once, and
        # inside a declarative pipeline's query function the input cannot be analysed yet.
        names = list(columns) if columns is not None else df.columns
        previous = F.lag(HASH_COLUMN).over(chain)
        kept = (
            df.transform(versions)
            .withColumn("_previous", previous)
            .where(F.col("_previous").isNull() | (F.col("_previous") != F.col(HASH_COLUMN)))
        )
        return kept.select(*names, F.lead(start).over(chain).alias(NEXT_START))

    return transform


def latest_change(
    table: Table, columns: Sequence[str] | None = None, *, one_aggregate: bool = False
) -> Callable[[DataFrame], DataFrame]:
    """Per business key, the change with the highest CDC sequence number (ties by content), so changes
    delivered out of order give the same result. Needs: the keys, the sequence and operation columns.
    `one_aggregate`: see `latest_per_key`."""
    cdc = table.cdc
    if cdc is None or not table.business_keys:
        raise ValueError(f"{table.key}: CDC needs businessKeys and the cdc settings in the catalogue")
    if cdc.delete_mode != "hard":
        raise NotImplementedError(
            f"{table.key}: cdc.deleteMode '{cdc.delete_mode}' needs a deleted-flag column; "
            "only 'hard' is built"
        )
    return latest_per_key(
        table.business_keys,
        F.col(cdc.sequence_column),
        tie_break(table),
        columns,
        one_aggregate=one_aggregate,
    )
