"""silver events: typed, standardised clickstream events, deduplicated on the business keys.

REES46 timestamps carry their zone (`2019-10-01 00:00:00 UTC`); brands are trimmed and lowercased;
the dotted category path is split into three levels. Rows are insert-only: an event whose business
key is already stored is a duplicate, looked up only on the event dates of the batch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.catalogue import Parsing, Table
from lakehouse.silver.common import category_level, clean_brand, conform_text, parse_timestamp, text
from lakehouse.silver.writers import Target, Written, append_new

if TYPE_CHECKING:
    from lakehouse.silver.job import SilverJob

PRUNE_COLUMN = "event_date"
"""Derived from the event time, so equal keys share it: the existing-key lookup reads only these dates."""


def standardise(silver: Table, parsing: Parsing) -> Callable[[DataFrame], DataFrame]:
    """Bronze event rows to silver columns, read by the source's `parsing` rules. Needs: the bronze
    event columns. Adds: every silver column (NULL where a value does not parse) plus the bronze
    audit columns."""
    event_time = parse_timestamp(F.col("event_time"), parsing)
    category = F.lower(text(F.col("category_code"), parsing))
    return conform_text(
        silver,
        parsing,
        {
            "event_time": event_time,
            "event_date": F.to_date(event_time),
            "event_type": F.lower(F.trim(F.col("event_type"))),
            "category_code": category,
            "category_l1": category_level(category, 1),
            "category_l2": category_level(category, 2),
            "category_l3": category_level(category, 3),
            "brand": clean_brand(text(F.col("brand"), parsing)),
            "user_session": text(F.col("user_session"), parsing),
        },
    )


def write(job: SilverJob, target: Target, valid: DataFrame, batch_id: int, valid_count: int) -> Written:
    return append_new(target, valid, batch_id, valid_count, PRUNE_COLUMN)
