"""gold clv: customer lifetime value so far and a simple predicted value for the next 12 months, as of a date.

Rows: one per customer and snapshot date (`as_of_date`). A snapshot looks only at orders placed
(order_date) on or before its as_of_date, and holds the customers with at least one order there
that counts towards customer value (`order_value.is_counted_order`: not canceled or unavailable).

Columns, per customer and snapshot:
- historical_value: the sum of the counted orders' totals (item price + freight);
- orders: counted orders; avg_order_value: historical_value / orders, rounded half up to cents;
- active_months: max(1, days from the first counted order_date to as_of_date / 30.4375), a
  month being the average Gregorian month (365.25 / 12 days), so every month weighs the same and
  the value grows smoothly with the snapshot date (months_between would jump at month ends);
- predicted_value_12m: avg_order_value x orders / active_months x 12, that is the customer's
  value per active month times 12, rounded half up to cents. It is computed from
  historical_value (= avg_order_value x orders before rounding), so the rounding of the average
  does not leak into the prediction.

SCOPE is as_of_date: an order on day d alters every snapshot from d on (`affected`).
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.gold.contract import GoldContext, Inputs
from lakehouse.gold.order_value import (
    AS_OF_DATE,
    CUSTOMER_ID,
    MONEY,
    snapshot_dates,
    value_affected,
    value_as_of,
)

SCOPE = (AS_OF_DATE,)

DAYS_PER_MONTH = 30.4375
"""Average days of a Gregorian month (365.25 / 12): the month of active_months."""

MIN_ACTIVE_MONTHS = 1.0
"""A customer is active for at least one month, so a first order days ago is not extrapolated x30."""


def build(ctx: GoldContext, inputs: Inputs, scope: DataFrame | None = None) -> DataFrame:
    """clv rows of the snapshots in `scope` (as_of_date), or of every date of `ctx`.

    Needs orders and order_items (see `order_value.order_totals`). Returns the catalogue's columns.
    """
    dates = snapshot_dates(ctx, inputs.orders.sparkSession, scope)
    value = value_as_of(dates, inputs.orders, inputs.order_items)
    days_active = F.datediff(F.col(AS_OF_DATE), F.col("first_order_date"))
    active_months = F.greatest(F.lit(MIN_ACTIVE_MONTHS), days_active / F.lit(DAYS_PER_MONTH))
    per_year = F.col("historical_value").cast("double") / F.col("active_months") * F.lit(12)
    return value.select(
        CUSTOMER_ID,
        AS_OF_DATE,
        F.col("value").alias("historical_value"),
        F.col("orders"),
        F.round(F.col("value") / F.col("orders"), 2).cast(MONEY).alias("avg_order_value"),
        active_months.cast("double").alias("active_months"),
    ).withColumn("predicted_value_12m", F.round(per_year, 2).cast(MONEY))


def affected(ctx: GoldContext, changes: Inputs, inputs: Inputs) -> DataFrame:
    """The snapshots (as_of_date) `changes` can alter, and always `ctx.as_of`: every snapshot from the
    order_date of a changed order or order line on (`order_value.value_affected`)."""
    return value_affected(ctx, changes, inputs)
