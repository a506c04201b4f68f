"""Late stream events: a watermark per silver table of a stream, and the rows older than it.

The watermark of a batch is the latest event time seen so far (stored in the table, or in the batch) minus
the source's `watermark` (declared in the catalogue per eventhub source; `Source.watermark`). An event
older than that is late: it is not written (the key lookup that removes duplicates only looks at the
dates the watermark still covers), but kept in the table's quarantine under
the rule `late_beyond_watermark` and counted as `rows_late` in the run's accounting, so nothing is lost
silently. Events out of order within the watermark are written as usual.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.silver.common import FAILED
from lakehouse.silver.writers import Target

LATE_RULE = "late_beyond_watermark"


def late_cutoff(target: Target, batch: DataFrame, column: str, late_after: timedelta) -> datetime | None:
    """The watermark of `batch` (typed rows with `column`); None while neither table nor batch has a time."""
    latest = batch.agg(F.max(column)).collect()[0][0]
    if not target.is_empty():
        stored = target.read().agg(F.max(column)).collect()[0][0]
        if stored is not None and (latest is None or stored > latest):
            latest = stored
    return None if latest is None else latest - late_after


def with_late_rule(column: str, cutoff: datetime | None) -> Callable[[DataFrame], DataFrame]:
    """Marks rows that passed every quarantine rule but are older than `cutoff` as failing `LATE_RULE`.
    Needs: `_failed_rules`, `column`."""

    def transform(df: DataFrame) -> DataFrame:
        if cutoff is None:
            return df
        late = (F.size(FAILED) == 0) & (F.col(column) < F.lit(cutoff).cast("timestamp"))
        return df.withColumn(FAILED, F.when(late, F.array(F.lit(LATE_RULE))).otherwise(F.col(FAILED)))

    return transform


def late_rows(df: DataFrame) -> int:
    """Rows marked late in a flagged batch (an action)."""
    return df.where(F.array_contains(F.col(FAILED), LATE_RULE)).count()
