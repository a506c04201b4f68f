"""silver dim_product: catalogue API products as a type 1 dimension (latest values overwrite)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lakehouse.catalogue import Parsing, Table
from lakehouse.silver.common import category_level, clean_brand, conform_text, parse_timestamp, text
from lakehouse.silver.writers import Target, Written, merge_latest

if TYPE_CHECKING:
    from lakehouse.silver.job import SilverJob


def standardise(silver: Table, parsing: Parsing) -> Callable[[DataFrame], DataFrame]:
    """Bronze product rows to silver columns, read by the source's `parsing` rules. Needs: the
    bronze product columns."""
    category = F.lower(text(F.col("category_code"), parsing))
    return conform_text(
        silver,
        parsing,
        {
            "category_code": category,
            "category_l1": category_level(category, 1),
            "brand": clean_brand(text(F.col("brand"), parsing)),
            "updated_at": parse_timestamp(F.col("updated_at"), parsing),
        },
    )


def recency() -> Column:
    """Values from a later catalogue update win."""
    return F.col("updated_at")


def write(job: SilverJob, target: Target, valid: DataFrame, batch_id: int, valid_count: int) -> Written:
    if target.table.scd is None:
        raise ValueError(f"{target.table.key}: expected scd settings (type 1 with trackedColumns)")
    return merge_latest(target, valid, valid_count, recency, list(target.table.scd.tracked_columns))
