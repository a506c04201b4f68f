"""silver dim_customer: CRM profiles as a type 2 slowly changing dimension.

A CRM record's `updated_at` starts a version (`effective_from`); `row_hash` covers the catalogue's
tracked columns, so a record that changes none of them is not a new version.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.catalogue import Parsing, Table
from lakehouse.silver.common import conform_text, content_hash, parse_timestamp, text
from lakehouse.silver.history import HASH_COLUMN
from lakehouse.silver.writers import Target, Written, merge_scd2

if TYPE_CHECKING:
    from lakehouse.silver.job import SilverJob


def standardise(silver: Table, parsing: Parsing) -> Callable[[DataFrame], DataFrame]:
    """Bronze CRM rows to silver versions, read by the source's `parsing` rules. Needs: the bronze
    customer columns. Adds the silver columns with `effective_to` NULL and `is_current` true (the
    SCD 2 merge sets both)."""
    if silver.scd is None:
        raise ValueError(f"{silver.key}: expected scd settings (type 2 with trackedColumns)")
    tracked = silver.scd.tracked_columns
    expressions = {
        "email": F.lower(text(F.col("email"), parsing)),
        "region": F.lower(text(F.col("region"), parsing)),
    }
    expressions.update(
        {
            "effective_from": parse_timestamp(F.col("updated_at"), parsing),
            HASH_COLUMN: F.lit(""),
            "effective_to": F.lit(None),
            "is_current": F.lit(True),
        }
    )

    def transform(df: DataFrame) -> DataFrame:
        return df.transform(conform_text(silver, parsing, expressions)).withColumn(
            HASH_COLUMN, content_hash(tracked)
        )

    return transform


def write(job: SilverJob, target: Target, valid: DataFrame, batch_id: int, valid_count: int) -> Written:
    return merge_scd2(target, valid, valid_count)
