"""silver order_items: Olist order lines typed, one row per order and line number."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lakehouse.catalogue import Parsing, Table
from lakehouse.silver.common import conform_text, parse_timestamp
from lakehouse.silver.writers import Target, Written, merge_latest

if TYPE_CHECKING:
    from lakehouse.silver.job import SilverJob


def standardise(silver: Table, parsing: Parsing) -> Callable[[DataFrame], DataFrame]:
    """Bronze order-line rows to silver columns, read by the source's `parsing` rules. Needs: the
    bronze order-item columns."""
    return conform_text(
        silver, parsing, {"shipping_limit_at": parse_timestamp(F.col("shipping_limit_date"), parsing)}
    )


def recency() -> Column:
    """A re-sent line replaces the stored one when it comes from a later landing file."""
    return F.col("_source_file")


def write(job: SilverJob, target: Target, valid: DataFrame, batch_id: int, valid_count: int) -> Written:
    tracked = [name for name in target.table.column_names if not name.startswith("_")]
    return merge_latest(target, valid, valid_count, recency, tracked)
