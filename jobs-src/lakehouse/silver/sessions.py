"""silver sessions: one row per web session, rebuilt from silver events for the sessions a batch touches.

Sessions are recomputed, not incremented, so replaying a batch is harmless. The events of a touched
session are looked up only on the dates between its stored start and end and the batch's event
dates (late events included), so the lookup follows the batch, not the whole history; a batch whose
sessions are all new (a first load) is built from the batch alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.catalogue import Table
from lakehouse.ops.accounting import TableCounts
from lakehouse.silver.writers import Target, execute_merge

if TYPE_CHECKING:
    from lakehouse.silver.job import DerivedJob

DATE_COLUMN = "event_date"
TIME_COLUMN = "event_time"
TYPE_COLUMN = "event_type"


def sessionize(sessions: Table) -> Callable[[DataFrame], DataFrame]:
    """Aggregate events per session. Needs: user_session, user_id, event_time, event_type, price.
    Returns exactly the columns of `sessions`."""

    def count_of(event_type: str) -> F.Column:
        return F.count(F.when(F.col(TYPE_COLUMN) == event_type, 1))

    def transform(events: DataFrame) -> DataFrame:
        grouped = events.groupBy(*sessions.business_keys).agg(
            F.max("user_id").alias("user_id"),
            F.min(TIME_COLUMN).alias("session_start"),
            F.max(TIME_COLUMN).alias("session_end"),
            count_of("view").alias("views"),
            count_of("cart").alias("carts"),
            count_of("remove_from_cart").alias("removes"),
            count_of("purchase").alias("purchases"),
            F.coalesce(F.sum(F.when(F.col(TYPE_COLUMN) == "purchase", F.col("price"))), F.lit(0)).alias(
                "revenue"
            ),
        )
        derived = {
            "session_date": F.to_date("session_start"),
            "duration_seconds": F.unix_timestamp("session_end") - F.unix_timestamp("session_start"),
            "purchased": F.col("purchases") > 0,
        }
        return grouped.select(
            *(derived.get(c.name, F.col(c.name)).cast(c.type).alias(c.name) for c in sessions.columns)
        )

    return transform


def rebuild(sessions: Table) -> Callable[[DataFrame], DataFrame]:
    """Every session from all silver events, as the declarative pipeline builds the table (whole, each
    update). Needs and returns what `sessionize` does."""
    return sessionize(sessions)


def derive(job: DerivedJob, batch: DataFrame) -> TableCounts:
    """Rebuild the sessions that `batch` (new silver events) touches and upsert the changed ones."""
    table, keys = job.silver, list(job.silver.business_keys)
    # Not cached: each use reads only the few columns it needs from the batch's Parquet files,
    # which is cheaper than keeping a million rows.
    bounds = batch.agg(F.count(F.lit(1)), F.min(DATE_COLUMN), F.max(DATE_COLUMN)).collect()[0]
    read, first, last = bounds[0], bounds[1], bounds[2]
    if not read:
        return TableCounts(table.key)
    touched = batch.select(*keys).distinct()
    # Earlier events of a touched session lie within its stored start..end (late events included).
    stored = (
        job.locations.read(job.spark, table.key)
        .join(touched, keys, "left_semi")
        .agg(F.min(F.to_date("session_start")), F.max(F.to_date("session_end")))
        .collect()[0]
    )
    target = Target(job.spark, table, job.locations)
    version = target.version()
    if stored[0] is None:
        # None of the sessions is stored yet, so every one of their events is in this batch (the
        # stream has seen every earlier batch): build them from the batch and append.
        target.append(batch.transform(sessionize(table)))
        committed = target.committed_since(version)
    else:
        first, last = min(first, stored[0]), max(last, stored[1])
        events = job.locations.read(job.spark, job.upstream.key)
        events = events.where(F.col(DATE_COLUMN).between(first, last))
        rebuilt = events.join(touched, keys, "left_semi").transform(sessionize(table))
        changed = " OR ".join(f"NOT (t.{c} <=> s.{c})" for c in table.column_names if c not in keys)
        committed = execute_merge(
            job.locations.delta(job.spark, table.key)
            .alias("t")
            .merge(rebuilt.alias("s"), " AND ".join(f"t.{k} = s.{k}" for k in keys))
            .whenMatchedUpdateAll(condition=changed)
            .whenNotMatchedInsertAll()
        )
    return TableCounts(table.key, rows_read=read, rows_written=committed["inserted"] + committed["updated"])
