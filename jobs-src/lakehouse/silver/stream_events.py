"""What the silver tables of the `eventhub` sources (cart_events, pos_events) share: ISO 8601 event times,
an `event_date`, one coded text column trimmed and lowercased, and insert-only writes on the event id.

Insert-only: an event id already stored is a duplicate. The stream holds the hashes of the ids it stored
within the watermark (lakehouse.silver.stored_keys) and looks up in the table only the ids whose hash it
holds; a resent event carries its original time, so that lookup reads the stored rows of its dates and time
span. Events older than the source's watermark (the catalogue's `watermark` of the source) are late;
lakehouse.silver.job flags them through lakehouse.silver.late before `write` sees the rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.catalogue import Parsing, Table
from lakehouse.silver.common import conform_text, parse_timestamp
from lakehouse.silver.writers import Target, Written, append_new

if TYPE_CHECKING:
    from lakehouse.silver.job import SilverJob

EVENT_TIME = "event_time"
EVENT_DATE = "event_date"
"""The UTC day of `event_time`; the stored rows a batch's duplicate lookup reads are pruned by it."""

Standardise = Callable[[Table, Parsing], Callable[[DataFrame], DataFrame]]


def standardise_with_code(code_column: str) -> Standardise:
    """The `standardise` of a stream table whose `code_column` (an action, a payment type) is a code:
    bronze text to silver columns, `event_time` parsed, `event_date` added, the code trimmed and
    lowercased, every other column conformed by the source's parsing rules. Needs: the bronze columns."""

    def standardise(silver: Table, parsing: Parsing) -> Callable[[DataFrame], DataFrame]:
        event_time = parse_timestamp(F.col(EVENT_TIME), parsing)
        return conform_text(
            silver,
            parsing,
            {
                EVENT_TIME: event_time,
                EVENT_DATE: F.to_date(event_time),
                code_column: F.lower(F.trim(F.col(code_column))),
            },
        )

    return standardise


def write(job: SilverJob, target: Target, valid: DataFrame, batch_id: int, valid_count: int) -> Written:
    """Append the rows whose event id is not stored yet (in-batch duplicates collapse first); only ids whose
    hash the stream holds are looked up, in the stored rows of their event dates and time span."""
    # The held hashes are forgotten by the watermark (every eventhub source declares one).
    held = job.stored_keys if job.watermark is not None else None
    return append_new(target, valid, batch_id, valid_count, EVENT_DATE, within=EVENT_TIME, held=held)
