"""silver orders: Olist orders typed, one row per order, the most advanced record wins.

The Olist export has no update timestamp, so a record's recency is its latest lifecycle timestamp
(purchase, approval, hand-over, delivery), then its landing file (daily files sort by date).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lakehouse.catalogue import Parsing, Table
from lakehouse.silver.common import conform_text, parse_date, parse_timestamp, text
from lakehouse.silver.writers import Target, Written, merge_latest

if TYPE_CHECKING:
    from lakehouse.silver.job import SilverJob


def standardise(silver: Table, parsing: Parsing) -> Callable[[DataFrame], DataFrame]:
    """Bronze order rows to silver columns (Olist names renamed), read by the source's `parsing`
    rules. Needs: the bronze order columns."""
    purchased = parse_timestamp(F.col("order_purchase_timestamp"), parsing)
    return conform_text(
        silver,
        parsing,
        {
            "order_status": F.lower(text(F.col("order_status"), parsing)),
            "purchased_at": purchased,
            "order_date": F.to_date(purchased),
            "approved_at": parse_timestamp(F.col("order_approved_at"), parsing),
            "delivered_carrier_at": parse_timestamp(F.col("order_delivered_carrier_date"), parsing),
            "delivered_customer_at": parse_timestamp(F.col("order_delivered_customer_date"), parsing),
            "estimated_delivery_date": parse_date(F.col("order_estimated_delivery_date"), parsing),
        },
    )


def recency() -> Column:
    """How far a record has progressed; needs the silver order columns."""
    lifecycle = F.greatest(
        F.col("purchased_at"),
        F.col("approved_at"),
        F.col("delivered_carrier_at"),
        F.col("delivered_customer_at"),
    )
    return F.struct(lifecycle, F.col("_source_file"))


def write(job: SilverJob, target: Target, valid: DataFrame, batch_id: int, valid_count: int) -> Written:
    tracked = [name for name in target.table.column_names if not name.startswith("_")]
    return merge_latest(target, valid, valid_count, recency, tracked)
