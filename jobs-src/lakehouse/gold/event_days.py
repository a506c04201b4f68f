"""What the day-scoped clickstream tables (product_performance, daily_sales_summary,
conversion_funnel) share: a batch recomputes the UTC days its changed events fall on."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

EVENT_DATE = "event_date"
"""Silver events' UTC day column."""


def on_days(events: DataFrame, scope: DataFrame | None, scope_column: str = EVENT_DATE) -> DataFrame:
    """`events` of the days in `scope` (its `scope_column`); all of them without a scope."""
    if scope is None:
        return events
    # A literal IN list rather than a join: Delta skips the other days' files by their event_date
    # statistics on any runtime, where pruning through a join depends on the plan. A batch touches
    # few days, so the list is short.
    days = [row[0] for row in scope.select(scope_column).distinct().collect()]
    return events.where(F.col(EVENT_DATE).isin(days))


def changed_days(changed_events: DataFrame, scope_column: str = EVENT_DATE) -> DataFrame:
    """Days of any changed event, before and after images alike, named `scope_column`."""
    return changed_events.select(F.col(EVENT_DATE).alias(scope_column)).distinct()
