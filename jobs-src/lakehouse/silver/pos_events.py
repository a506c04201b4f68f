"""silver pos_events: the stores' point-of-sale transactions from Event Hubs, typed, one row per transaction.

Timestamps are ISO 8601 text; payment types are trimmed and lowercased. Insert-only: a transaction id
already stored (on the batch's event dates) is a duplicate. Events older than the watermark (`LATE_AFTER`
behind the latest sale seen) are late (see lakehouse.silver.late).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.catalogue import Parsing, Table
from lakehouse.silver.common import conform_text, parse_timestamp
from lakehouse.silver.writers import Target, Written, append_new

if TYPE_CHECKING:
    from lakehouse.silver.job import SilverJob

PRUNE_COLUMN = "event_date"
LATE_AFTER = timedelta(hours=1)
"""How far behind the latest sale an event may arrive and still be written (the watermark)."""


def standardise(silver: Table, parsing: Parsing) -> Callable[[DataFrame], DataFrame]:
    """Bronze POS events to silver columns. Needs: the bronze pos_events columns."""
    event_time = parse_timestamp(F.col("event_time"), parsing)
    return conform_text(
        silver,
        parsing,
        {
            "event_time": event_time,
            "event_date": F.to_date(event_time),
            "payment_type": F.lower(F.trim(F.col("payment_type"))),
        },
    )


def write(job: SilverJob, target: Target, valid: DataFrame, batch_id: int, valid_count: int) -> Written:
    return append_new(target, valid, batch_id, valid_count, PRUNE_COLUMN)
