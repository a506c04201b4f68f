"""gold daily_sales_summary: per day, the web shop's revenue, orders, buyers, average order value and
events by type, the stores' point-of-sale sales, and the revenue of both.

Web figures come from the clickstream (silver events), store figures from the tills' stream (silver
pos_events: one row per transaction line, revenue quantity x unit_price); a day with only one of the
two has zeros for the other.

Scoped by day: a day's row depends only on that day's events, and silver events are clustered by
`event_date`, so a batch reads the files of the days it touches and rewrites one row per day.
"""

from __future__ import annotations

from collections.abc import Callable

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.gold.contract import GoldContext, Inputs
from lakehouse.gold.event_days import EVENT_DATE, changed_days, on_days

SALES_DATE = "sales_date"
EVENT_TYPE = "event_type"
PRICE = "price"
USER_ID = "user_id"

QUANTITY = "quantity"
UNIT_PRICE = "unit_price"

SCOPE = (SALES_DATE,)

WEB_COLUMNS = (SALES_DATE, "revenue", "orders", "buyers", "avg_order_value", "views", "carts", "removes")
"""What `summary` produces: the web shop's day."""
STORE_COLUMNS = (SALES_DATE, "store_revenue", "store_sales", "store_units")
"""What `store_summary` produces: the stores' day."""
COLUMNS = (*WEB_COLUMNS, *STORE_COLUMNS[1:], "total_revenue")
_COUNTS = ("revenue", "orders", "buyers", "views", "carts", "removes", *STORE_COLUMNS[1:])


def build(ctx: GoldContext, inputs: Inputs, scope: DataFrame | None = None) -> DataFrame:
    """The rows of the days in `scope` (a `sales_date` frame), or of every day with events.

    Needs: events (event_date, event_type, price, user_id), pos_events (event_date, quantity,
    unit_price). Produces COLUMNS. A day without web purchases has revenue 0, orders 0, buyers 0 and a
    null avg_order_value; a day without store sales has store figures 0.
    """
    web = on_days(inputs.events, scope, SALES_DATE).transform(summary)
    stores = on_days(inputs.pos_events, scope, SALES_DATE).transform(store_summary)
    return web.transform(with_store_sales(stores))


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
        .select(*WEB_COLUMNS)
    )


def store_summary(pos_events: DataFrame) -> DataFrame:
    """Aggregate till transaction lines per day. Needs: event_date, quantity, unit_price. Produces
    STORE_COLUMNS."""
    return pos_events.groupBy(F.col(EVENT_DATE).alias(SALES_DATE)).agg(
        F.sum(F.col(QUANTITY) * F.col(UNIT_PRICE)).alias("store_revenue"),
        F.count(F.lit(1)).alias("store_sales"),
        F.sum(QUANTITY).alias("store_units"),
    )


def with_store_sales(stores: DataFrame) -> Callable[[DataFrame], DataFrame]:
    """Adds the store figures of `store_summary`'s rows to `summary`'s rows, and total_revenue (web
    plus stores); a day with only one of the two gets 0 for the other's figures. Produces COLUMNS."""

    def transform(web: DataFrame) -> DataFrame:
        return (
            web.join(stores, SALES_DATE, "full")
            .withColumns({c: F.coalesce(F.col(c), F.lit(0)) for c in _COUNTS})
            .withColumn("total_revenue", F.col("revenue") + F.col("store_revenue"))
            .select(*COLUMNS)
        )

    return transform


def affected(ctx: GoldContext, changes: Inputs, inputs: Inputs) -> DataFrame:
    """Days of any changed event or POS event, before and after images alike."""
    return (
        changed_days(changes.events, SALES_DATE)
        .unionByName(changed_days(changes.pos_events, SALES_DATE))
        .distinct()
    )
