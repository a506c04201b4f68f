"""gold conversion_funnel: per day and top-level category, the sessions that viewed, carted and
purchased, with step rates.

A session counts at most once per step in each (day, category): a session that views two
categories counts in both, and one that crosses midnight counts on each day it has that step.
Events without a category fall under 'unknown'.

Scoped by day: a day's rows depend only on that day's events, and silver events are clustered by
`event_date`, so a batch reads the files of the days it touches and rewrites their rows.
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.gold.contract import GoldContext, Inputs
from lakehouse.gold.event_days import EVENT_DATE, changed_days, on_days

EVENT_TYPE = "event_type"
CATEGORY = "category_l1"
SESSION = "user_session"
UNKNOWN_CATEGORY = "unknown"

SCOPE = (EVENT_DATE,)

COLUMNS = (
    EVENT_DATE,
    CATEGORY,
    "sessions_viewed",
    "sessions_carted",
    "sessions_purchased",
    "view_to_cart_rate",
    "cart_to_purchase_rate",
    "view_to_purchase_rate",
)


def build(ctx: GoldContext, inputs: Inputs, scope: DataFrame | None = None) -> DataFrame:
    """The rows of the days in `scope` (an `event_date` frame), or of every day.

    Needs: events (event_date, event_type, category_l1, user_session). Produces COLUMNS, one row per
    day and category with any event; rates are null when their denominator is 0 and may exceed 1
    (a session may purchase without a cart event in that day and category).
    """
    return on_days(inputs.events, scope).transform(funnel)


def funnel(events: DataFrame) -> DataFrame:
    """Sessions per funnel step, day and category. Needs: event_date, event_type, category_l1,
    user_session. Produces COLUMNS."""

    def sessions_with(event_type: str) -> F.Column:
        # count_distinct skips the nulls `when` gives other event types.
        return F.count_distinct(F.when(F.col(EVENT_TYPE) == event_type, F.col(SESSION)))

    return (
        events.groupBy(
            F.col(EVENT_DATE), F.coalesce(F.col(CATEGORY), F.lit(UNKNOWN_CATEGORY)).alias(CATEGORY)
        )
        .agg(
            sessions_with("view").alias("sessions_viewed"),
            sessions_with("cart").alias("sessions_carted"),
            sessions_with("purchase").alias("sessions_purchased"),
        )
        .withColumn("view_to_cart_rate", F.try_divide(F.col("sessions_carted"), F.col("sessions_viewed")))
        .withColumn(
            "cart_to_purchase_rate", F.try_divide(F.col("sessions_purchased"), F.col("sessions_carted"))
        )
        .withColumn(
            "view_to_purchase_rate", F.try_divide(F.col("sessions_purchased"), F.col("sessions_viewed"))
        )
        .select(*COLUMNS)
    )


def affected(ctx: GoldContext, changes: Inputs, inputs: Inputs) -> DataFrame:
    """Days of any changed event, before and after images alike."""
    return changed_days(changes.events)
