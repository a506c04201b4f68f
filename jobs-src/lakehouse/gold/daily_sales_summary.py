"""gold daily_sales_summary: per day, revenue, orders, buyers, average order value and events by type.

Scoped by day: a day's row depends only on that day's events, and silver events are clustered by
`event_date`, so a batch reads the files of the days it touches and rewrites one row per day.
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.gold.contract import GoldContext, Inputs
from lakehouse.gold.event_days import EVENT_DATE, changed_days, on_days

SALES_DATE = "sales_date"
EVENT_TYPE = "event_type"
PRICE = "price"
USER_ID = "user_id"

SCOPE = (SALES_DATE,)

COLUMNS = (SALES_DATE, "revenue", "orders", "buyers", "avg_order_value", "views", "carts", "removes")


def build(ctx: GoldContext, inputs: Inputs, scope: DataFrame | None = None) -> DataFrame:
    """The rows of the days in `scope` (a `sales_date` frame), or of every day with events.

    Needs: events (event_date, event_type, price, user_id). Produces COLUMNS. A day without
    purchases has revenue 0, orders 0, buyers 0 and a null avg_order_value.
    """
    return on_days(inputs.events, scope, SALES_DATE).transform(summary)


def summary(events: DataFrame) -> DataFrame:
    """Aggregate events per day. Needs: event_date, event_type, price, user_id. Produces COLUMNS."""
    purchase = F.col(EVENT_TYPE) == "purchase"

    def count_of(event_type: str) -> F.Column:
        return F.count(F.when(F.col(EVENT_TYPE) == event_type, 1))

    return (
        events.groupBy(F.col(EVENT_DATE).alias(SALES_DATE))
        .agg(
            F.coalesce(F.sum(F.when(purchase, F.col(PRICE))), F.lit(0)).alias("revenue"),
            count_of("purchase").alias("orders"),
            F.count_distinct(F.when(purchase, F.col(USER_ID))).alias("buyers"),
            count_of("view").alias("views"),
            count_of("cart").alias("carts"),
            count_of("remove_from_cart").alias("removes"),
        )
        .withColumn("avg_order_value", F.round(F.try_divide(F.col("revenue"), F.col("orders")), 2))
        .select(*COLUMNS)
    )


def affected(ctx: GoldContext, changes: Inputs, inputs: Inputs) -> DataFrame:
    """Days of any changed event, before and after images alike."""
    return changed_days(changes.events, SALES_DATE)
