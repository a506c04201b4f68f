"""gold fact_order_items: one row per order line, with the order's customer and date.

Scoped by order, not by line: a line's customer and date come from its order, so a change to an
order must rebuild all its lines, and `order_id` reaches them without a lookup. A changed line
rebuilds its order's few lines, and a deleted line drops out because its order is rebuilt.
"""

from __future__ import annotations

from pyspark.sql import DataFrame

from lakehouse.gold.contract import GoldContext, Inputs

ORDER_ID = "order_id"

SCOPE = (ORDER_ID,)

COLUMNS = (ORDER_ID, "order_item_id", "product_id", "customer_id", "order_date", "price", "freight_value")


def build(ctx: GoldContext, inputs: Inputs, scope: DataFrame | None = None) -> DataFrame:
    """The lines of the orders in `scope` (an `order_id` frame), or of every order.

    Needs: order_items (order_id, order_item_id, product_id, price, freight_value) and orders
    (order_id, customer_id, order_date). Produces COLUMNS. A line whose order is unknown is kept
    with a null customer_id and order_date, so revenue by product does not lose it.
    """
    items, orders = inputs.order_items, inputs.orders
    if scope is not None:
        ids = scope.select(ORDER_ID).distinct()
        items = items.join(ids, ORDER_ID, "left_semi")
        orders = orders.join(ids, ORDER_ID, "left_semi")
    return items.join(orders.select(ORDER_ID, "customer_id", "order_date"), ORDER_ID, "left").select(*COLUMNS)


def affected(ctx: GoldContext, changes: Inputs, inputs: Inputs) -> DataFrame:
    """Orders of any changed order line or order row, before and after images alike."""
    return changes.order_items.select(ORDER_ID).unionByName(changes.orders.select(ORDER_ID)).distinct()
