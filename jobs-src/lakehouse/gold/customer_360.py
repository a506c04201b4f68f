"""gold customer_360: one row per customer, joining the current CRM profile with orders, web and support.

Rows: every customer with a current version in dim_customer (`is_current`); a customer without
one (never loaded, or erased) has no row, whatever else is known about them. Should two versions
of a customer both be marked current, the one with the latest effective_from wins, so the key
stays unique.

Columns, per customer:
- email, first_name, last_name, region: from the current profile version;
- orders, lifetime_revenue, first_order_at, last_order_at: over the orders that count towards
  customer value (`order_value.is_counted_order`: not canceled or unavailable); revenue is the sum
  of order totals (item price + freight); 0 orders and 0 revenue, null times, without any;
- sessions: web sessions of the customer's shop user id while a profile version named it
  (`identity.by_customer`, by session_start); last_seen_at is the end of the latest one, that is
  the latest web event;
- tickets: support tickets; open_tickets: those neither solved nor closed now
  (`order_value.is_open_ticket`).

SCOPE is customer_id: a batch rebuilds the customers its changes touch (`affected`).
"""

from __future__ import annotations

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from lakehouse.gold.contract import GoldContext, Inputs
from lakehouse.gold.identity import by_customer, shop_user_links
from lakehouse.gold.order_value import (
    CUSTOMER_ID,
    MONEY,
    ORDER_ID,
    PURCHASED_AT,
    TOTAL,
    counted_orders,
    is_open_ticket,
    order_totals,
    with_order_dates,
)

SCOPE = (CUSTOMER_ID,)

PROFILE_COLUMNS = ("email", "first_name", "last_name", "region")


def _in_scope(frame: DataFrame, scope: DataFrame | None, column: str = CUSTOMER_ID) -> DataFrame:
    if scope is None:
        return frame
    keys = scope.select(F.col(CUSTOMER_ID).alias(column)).distinct()
    return frame.join(keys, column, "left_semi")


def build(ctx: GoldContext, inputs: Inputs, scope: DataFrame | None = None) -> DataFrame:
    """customer_360 rows of the customers in `scope` (customer_id), or of every customer.

    Needs dim_customer (customer_id, email, first_name, last_name, region, effective_from,
    is_current), orders and order_items (see `order_value.order_totals`), sessions (user_id,
    session_end) and support_tickets (customer_id, status). Returns the catalogue's columns.
    """
    latest = Window.partitionBy(CUSTOMER_ID).orderBy(F.col("effective_from").desc())
    profiles = (
        _in_scope(inputs.dim_customer, scope)
        .where(F.col("is_current"))
        .withColumn("_version", F.row_number().over(latest))
        .where(F.col("_version") == 1)
        .select(CUSTOMER_ID, *PROFILE_COLUMNS)
    )
    orders = (
        counted_orders(order_totals(_in_scope(inputs.orders, scope), inputs.order_items))
        .groupBy(CUSTOMER_ID)
        .agg(
            F.count(ORDER_ID).alias("orders"),
            F.sum(TOTAL).alias("lifetime_revenue"),
            F.min(PURCHASED_AT).alias("first_order_at"),
            F.max(PURCHASED_AT).alias("last_order_at"),
        )
    )
    links = _in_scope(shop_user_links(inputs.dim_customer), scope)
    sessions = (
        by_customer(inputs.sessions, links, "session_start", keep=("session_end",))
        .groupBy(CUSTOMER_ID)
        .agg(F.count(F.lit(1)).alias("sessions"), F.max("session_end").alias("last_seen_at"))
    )
    tickets = (
        _in_scope(inputs.support_tickets, scope)
        .groupBy(CUSTOMER_ID)
        .agg(
            F.count(F.lit(1)).alias("tickets"),
            F.count(F.when(is_open_ticket(), 1)).alias("open_tickets"),
        )
    )
    joined = (
        profiles.join(orders, CUSTOMER_ID, "left")
        .join(sessions, CUSTOMER_ID, "left")
        .join(tickets, CUSTOMER_ID, "left")
    )
    zero = F.lit(0).cast("bigint")
    return joined.select(
        CUSTOMER_ID,
        *PROFILE_COLUMNS,
        F.coalesce("orders", zero).alias("orders"),
        F.coalesce("lifetime_revenue", F.lit(0)).cast(MONEY).alias("lifetime_revenue"),
        "first_order_at",
        "last_order_at",
        F.coalesce("sessions", zero).alias("sessions"),
        "last_seen_at",
        F.coalesce("tickets", zero).alias("tickets"),
        F.coalesce("open_tickets", zero).alias("open_tickets"),
    )


def affected(ctx: GoldContext, changes: Inputs, inputs: Inputs) -> DataFrame:
    """The customers (customer_id) whose customer_360 row `changes` can alter.

    Every change row counts, whatever its `_change_type`: both images of an update (a moved order
    alters its old and its new customer) and deletes. Profiles, orders and tickets carry the
    customer; sessions carry the shop user, mapped through the profile versions
    (`identity.by_customer`); an order line carries none, so its order is looked up in the
    current orders and in this batch's order changes (`order_value.with_order_dates`).
    """
    from_lines = with_order_dates(changes.order_items, (inputs.orders, changes.orders))
    touched = (
        changes.dim_customer.select(CUSTOMER_ID)
        .unionByName(changes.orders.select(CUSTOMER_ID))
        .unionByName(from_lines.select(CUSTOMER_ID))
        .unionByName(
            by_customer(changes.sessions, shop_user_links(inputs.dim_customer), "session_start", keep=())
        )
        .unionByName(changes.support_tickets.select(CUSTOMER_ID))
    )
    return touched.where(F.col(CUSTOMER_ID).isNotNull()).distinct()
