"""silver support_tickets: the ticket change feed applied by MERGE (see `writers.merge_cdc`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.catalogue import Parsing, Table
from lakehouse.silver.common import conform_text, parse_timestamp, passing_rows, text, with_expectations
from lakehouse.silver.writers import Target, Written, merge_cdc

if TYPE_CHECKING:
    from lakehouse.silver.job import SilverJob


def standardise(silver: Table, parsing: Parsing) -> Callable[[DataFrame], DataFrame]:
    """Bronze change records to silver columns plus the CDC operation column (lowercased), read by
    the source's `parsing` rules.

    Needs: the bronze ticket columns. `updated_at` is the change timestamp.
    """
    if silver.cdc is None:
        raise ValueError(f"{silver.key}: expected cdc settings")
    operation = silver.cdc.operation_column

    def transform(df: DataFrame) -> DataFrame:
        return df.withColumn(operation, F.lower(text(F.col(operation), parsing))).transform(
            conform_text(
                silver,
                parsing,
                {
                    "created_at": parse_timestamp(F.col("created_at"), parsing),
                    "updated_at": parse_timestamp(F.col("change_timestamp"), parsing),
                },
                keep=[operation],
            )
        )

    return transform


def tombstones(job: SilverJob) -> DataFrame:
    """Per ticket, the highest sequence number of a valid delete in bronze so far."""
    table = job.silver
    assert table.cdc is not None
    changes = (
        job.read_bronze()
        .transform(standardise(table, job.parsing))
        .transform(with_expectations(table))
        .transform(passing_rows)
        .where(F.col(table.cdc.operation_column) == "delete")
    )
    return changes.groupBy(*table.business_keys).agg(
        F.max(table.cdc.sequence_column).alias(table.cdc.sequence_column)
    )


def write(job: SilverJob, target: Target, valid: DataFrame, batch_id: int, valid_count: int) -> Written:
    return merge_cdc(target, valid, valid_count, tombstones(job))
