"""Late stream events: a watermark per silver table of a stream, and the rows older than it.

The watermark of a batch is the latest event time seen so far (written to the table, or in the batch) minus
the source's `watermark` (declared in the catalogue per eventhub source; `Source.watermark`). An event
older than that is late: it is not written (the key lookup that removes duplicates only looks at the
dates the watermark still covers), but kept in the table's quarantine under
the rule `late_beyond_watermark` and counted as `rows_late` in the run's accounting, so nothing is lost
silently. Events out of order within the watermark are written as usual.

The latest written event time is read from the table once per stream (`stored_latest`) and then carried
from batch to batch by the stream's own writes (`LateState`): a scan of the whole table per batch would
make every micro-batch cost more as the table grows. A stream is its table's only writer, so the two agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lakehouse.silver.common import FAILED, passes
from lakehouse.silver.writers import Target

LATE_RULE = "late_beyond_watermark"


def stored_latest(target: Target, column: str) -> datetime | None:
    """The latest `column` value written to the table (a scan); None while it holds no row."""
    return None if target.is_empty() else target.read().agg(F.max(column)).collect()[0][0]


def late_cutoff(
    latest_written: datetime | None, batch: DataFrame, column: str, late_after: timedelta
) -> datetime | None:
    """The watermark of `batch` (typed rows with `column`); None while neither table nor batch has a time."""
    latest = batch.agg(F.max(column)).collect()[0][0]
    if latest_written is not None and (latest is None or latest_written > latest):
        latest = latest_written
    return None if latest is None else latest - late_after


@dataclass
class LateState:
    """The latest event time a stream has written to its silver table, carried across its micro-batches."""

    latest_written: datetime | None = None
    seeded: bool = False

    def latest(self, target: Target, column: str) -> datetime | None:
        """The latest written time: read from the table on the stream's first batch, then carried."""
        if not self.seeded:
            self.latest_written, self.seeded = stored_latest(target, column), True
        return self.latest_written

    def advance(self, written_latest: datetime | None) -> None:
        """Take in the latest time of a batch's committed rows (call after its write committed)."""
        if written_latest is not None and (
            self.latest_written is None or written_latest > self.latest_written
        ):
            self.latest_written = written_latest


def with_late_rule(column: str, cutoff: datetime | None) -> Callable[[DataFrame], DataFrame]:
    """Marks rows that passed every quarantine rule but are older than `cutoff` as failing `LATE_RULE`.
    Needs: `_failed_rules`, `column`."""

    def transform(df: DataFrame) -> DataFrame:
        if cutoff is None:
            return df
        late = (F.size(FAILED) == 0) & (F.col(column) < F.lit(cutoff).cast("timestamp"))
        return df.withColumn(FAILED, F.when(late, F.array(F.lit(LATE_RULE))).otherwise(F.col(FAILED)))

    return transform


def late_aggregates(column: str) -> list[Column]:
    """Aggregates over a flagged batch: the rows marked late, and the latest `column` of the rows the table
    write receives (`passes`: written unless already stored). They ride along in the batch's rule counts
    (`expectation_counter`'s `extra`, read back with `late_rows_and_latest`), one Spark job for both."""
    return [
        F.count(F.when(F.array_contains(F.col(FAILED), LATE_RULE), 1)),
        F.max(F.when(passes(), F.col(column))),
    ]


def late_rows_and_latest(values: tuple[Any, ...]) -> tuple[int, datetime | None]:
    """Rows marked late and the latest written time, from the values of `late_aggregates`."""
    late, latest = values
    return int(late), latest
