"""gold fact_orders: one row per order with its amounts and delivery time.

Scoped by order: an order's row depends only on the order and its lines, so a batch rebuilds the
orders whose order row or any line changed, found by a semi-join on `order_id`.
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.gold.contract import GoldContext, Inputs

ORDER_ID = "order_id"
PURCHASED_AT = "purchased_at"

SCOPE = (ORDER_ID,)

COLUMNS = (
    ORDER_ID,
    "customer_id",
    "order_date",
    "order_status",
    PURCHASED_AT,
    "delivered_at",
    "items",
    "items_amount",
    "freight_amount",
    "total_amount",
    "delivery_days",
)


def build(ctx: GoldContext, inputs: Inputs, scope: DataFrame | None = None) -> DataFrame:
    """The rows of the orders in `scope` (an `order_id` frame), or of every order.

    Needs: orders (order_id, customer_id, order_date, order_status, purchased_at,
    delivered_customer_at) and order_items (order_id, price, freight_value). Produces COLUMNS. An
    order without lines has 0 items and zero amounts; lines of an unknown order make no row.
    `delivery_days` counts UTC calendar days from the purchase day to the delivery day.
    """
    orders, items = inputs.orders, inputs.order_items
    if scope is not None:
        ids = scope.select(ORDER_ID).distinct()
        orders = orders.join(ids, ORDER_ID, "left_semi")
        items = items.join(ids, ORDER_ID, "left_semi")
    lines = items.groupBy(ORDER_ID).agg(
        F.count(F.lit(1)).alias("items"),
        F.sum("price").alias("items_amount"),
        F.sum("freight_value").alias("freight_amount"),
    )
    zero = F.lit(0)
    return (
        orders.join(lines, ORDER_ID, "left")
        .select(
            ORDER_ID,
            "customer_id",
            "order_date",
            "order_status",
            PURCHASED_AT,
            F.col("delivered_customer_at").alias("delivered_at"),
            F.coalesce(F.col("items"), zero).alias("items"),
            F.coalesce(F.col("items_amount"), zero).alias("items_amount"),
            F.coalesce(F.col("freight_amount"), zero).alias("freight_amount"),
        )
        .withColumn("total_amount", F.col("items_amount") + F.col("freight_amount"))
        .withColumn("delivery_days", F.datediff(F.col("delivered_at"), F.col(PURCHASED_AT)))
        .select(*COLUMNS)
    )


def affected(ctx: GoldContext, changes: Inputs, inputs: Inputs) -> DataFrame:
    """Orders of any changed order row or order line, before and after images alike."""
    return changes.orders.select(ORDER_ID).unionByName(changes.order_items.select(ORDER_ID)).distinct()
