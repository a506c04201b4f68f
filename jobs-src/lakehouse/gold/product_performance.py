"""gold product_performance: per product and day, funnel counts, revenue and conversion rates.

Scoped by day: a (product, day) row depends only on that day's events, and silver events are
clustered by `event_date`, so a batch reads the files of the days it touches and rewrites their
rows. A finer (product, day) scope would read the same files; the whole day is rebuilt instead so
the job's MERGE condition stays a single clustered column.
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.gold.contract import GoldContext, Inputs
from lakehouse.gold.event_days import EVENT_DATE, changed_days, on_days

PRODUCT_ID = "product_id"
EVENT_TYPE = "event_type"
PRICE = "price"

SCOPE = (EVENT_DATE,)

COLUMNS = (
    PRODUCT_ID,
    EVENT_DATE,
    "views",
    "carts",
    "purchases",
    "revenue",
    "view_to_cart_rate",
    "cart_to_purchase_rate",
)


def build(ctx: GoldContext, inputs: Inputs, scope: DataFrame | None = None) -> DataFrame:
    """The rows of the days in `scope` (an `event_date` frame), or of every day.

    Needs: events (product_id, event_date, event_type, price). Produces COLUMNS, one row per
    product and day with any event; the rates are null when their denominator is 0 and may exceed 1
    (a purchase needs no cart event on the same day).
    """
    return on_days(inputs.events, scope).transform(performance)


def performance(events: DataFrame) -> DataFrame:
    """Aggregate events per product and day. Needs: product_id, event_date, event_type, price.
    Produces COLUMNS."""

    def count_of(event_type: str) -> F.Column:
        return F.count(F.when(F.col(EVENT_TYPE) == event_type, 1))

    return (
        events.groupBy(PRODUCT_ID, EVENT_DATE)
        .agg(
            count_of("view").alias("views"),
            count_of("cart").alias("carts"),
            count_of("purchase").alias("purchases"),
            F.coalesce(F.sum(F.when(F.col(EVENT_TYPE) == "purchase", F.col(PRICE))), F.lit(0)).alias(
                "revenue"
            ),
        )
        .withColumn("view_to_cart_rate", F.try_divide(F.col("carts"), F.col("views")))
        .withColumn("cart_to_purchase_rate", F.try_divide(F.col("purchases"), F.col("carts")))
        .select(*COLUMNS)
    )


def affected(ctx: GoldContext, changes: Inputs, inputs: Inputs) -> DataFrame:
    """Days of any changed event, before and after images alike."""
    return changed_days(changes.events)
