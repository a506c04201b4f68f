"""What the customer gold tables (customer_360, rfm_segments, clv, churn_features) share.

The one rule that decides which orders count towards a customer's value lives here
(`is_counted_order`), together with the order total it is measured in (`order_totals`), the
snapshot dates of the as-of tables and the open-ticket rule, so the four tables cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import DateType, StructField, StructType

from lakehouse.gold.contract import GoldContext, Inputs

ORDER_ID = "order_id"
CUSTOMER_ID = "customer_id"
ORDER_STATUS = "order_status"
ORDER_DATE = "order_date"
PURCHASED_AT = "purchased_at"
TOTAL = "order_total"
AS_OF_DATE = "as_of_date"

MONEY = "decimal(18,2)"
"""Type of every money column of the gold tables (`DECIMAL(18,2)` in the catalogue)."""

UNCOUNTED_STATUSES = ("canceled", "unavailable")
"""Order statuses that never count towards a customer's value (see `is_counted_order`)."""

RESOLVED_TICKET_STATUSES = ("solved", "closed")
"""Support ticket statuses that mean the ticket needs nothing more (see `is_open_ticket`)."""


def is_counted_order(status: Column | str = ORDER_STATUS) -> Column:
    """Whether an order counts towards its customer's value: its orders, revenue, recency and churn.

    An order counts unless its status is `canceled` or `unavailable`: those orders were never
    fulfilled, so they earned nothing and show no buying relationship. Every other status (created,
    approved, invoiced, processing, shipped, delivered) counts from the day the order is placed, so
    a snapshot does not wait for delivery. The status is the order's latest one (silver orders keep
    one row per order), so an order canceled later stops counting in every snapshot, past ones
    included; the as-of tables' `affected` covers that by recomputing from the order's date on.
    This is the only place the rule is written; customer_360, rfm_segments, clv and
    churn_features all use it.
    """
    column = F.col(status) if isinstance(status, str) else status
    return ~column.isin(*UNCOUNTED_STATUSES)


def counted_orders(orders: DataFrame) -> DataFrame:
    """The orders that count towards customer value (`is_counted_order`). Needs: order_status."""
    return orders.where(is_counted_order())


def order_totals(orders: DataFrame, order_items: DataFrame) -> DataFrame:
    """One row per order with its total: the sum of item price + freight_value of its lines.

    Needs: orders (order_id, customer_id, order_status, purchased_at, order_date) and order_items
    (order_id, price, freight_value). Returns order_id, customer_id, order_status, purchased_at,
    order_date and `order_total` (DECIMAL(18,2), not null). An order whose lines have not arrived
    yet keeps its row with a total of 0, so it still counts as an order; lines of an unknown order
    are left out. Apply `counted_orders` to keep the orders that count.
    """
    lines = order_items.groupBy(ORDER_ID).agg(F.sum(F.col("price") + F.col("freight_value")).alias(TOTAL))
    return (
        orders.select(ORDER_ID, CUSTOMER_ID, ORDER_STATUS, PURCHASED_AT, ORDER_DATE)
        .join(lines, ORDER_ID, "left")
        .withColumn(TOTAL, F.coalesce(F.col(TOTAL), F.lit(0)).cast(MONEY))
    )


def is_open_ticket(status: Column | str = "status") -> Column:
    """Whether a support ticket is open: its status is neither `solved` nor `closed`.

    A ticket without a status counts as open: nothing says it was resolved.
    """
    column = F.col(status) if isinstance(status, str) else status
    return F.coalesce(~column.isin(*RESOLVED_TICKET_STATUSES), F.lit(True))


def with_order_dates(changed_items: DataFrame, orders: Sequence[DataFrame]) -> DataFrame:
    """The customer and date of the order of every changed order line.

    An order line carries neither, so its order is looked up in `orders` (the current upstream
    orders and the order change rows of the same batch, so a line deleted together with its order
    still finds it). Needs order_id on `changed_items` and order_id, customer_id, order_date on
    every frame of `orders`. Returns distinct customer_id, order_date; a line whose order is known
    nowhere affects nothing (no gold row reads it until the order arrives, which is a change itself).
    """
    known = None
    for frame in orders:
        part = frame.select(ORDER_ID, CUSTOMER_ID, ORDER_DATE)
        known = part if known is None else known.unionByName(part)
    if known is None:
        raise ValueError("with_order_dates needs at least one orders frame to look order lines up in")
    return (
        changed_items.select(ORDER_ID)
        .distinct()
        .join(known, ORDER_ID)
        .select(CUSTOMER_ID, ORDER_DATE)
        .distinct()
    )


SNAPSHOT_SCHEMA = StructType([StructField(AS_OF_DATE, DateType(), nullable=False)])


def dates_frame(spark: SparkSession, dates: Sequence[date]) -> DataFrame:
    """A frame of one `as_of_date` column holding `dates`."""
    return spark.createDataFrame([(day,) for day in sorted(set(dates))], SNAPSHOT_SCHEMA)


def snapshot_dates(ctx: GoldContext, spark: SparkSession, scope: DataFrame | None) -> DataFrame:
    """The `as_of_date`s an as-of table computes: the scope's, or every one of `ctx` on a full build.

    A full build computes `ctx.snapshot_dates`; a context without any computes `ctx.as_of` alone.
    """
    if scope is not None:
        return scope.select(F.col(AS_OF_DATE).cast("date").alias(AS_OF_DATE)).distinct()
    return dates_frame(spark, ctx.snapshot_dates or (ctx.as_of,))


FIRST_DAY = "first_day"
LAST_DAY = "last_day"


def altered_window(day: Column | str, first_offset: int = 0, last_offset: int | None = None) -> list[Column]:
    """The snapshots a change on `day` alters, as columns `first_day` and `last_day` for a select.

    They are the as_of_date in [day + first_offset, day + last_offset], or from day + first_offset
    on when `last_offset` is None. A null `day` alters nothing.
    """
    column = F.col(day) if isinstance(day, str) else day
    last = F.lit(None).cast("date") if last_offset is None else F.date_add(column, last_offset)
    return [F.date_add(column, first_offset).alias(FIRST_DAY), last.alias(LAST_DAY)]


def altered_snapshots(
    ctx: GoldContext, windows: Sequence[DataFrame], extra: Sequence[date] = ()
) -> DataFrame:
    """`affected` of an as-of table: the snapshot dates of `ctx` inside any window, `extra` and `ctx.as_of`.

    Each frame of `windows` has the columns of `altered_window`. `ctx.as_of` is always affected
    (this run writes its snapshot even when nothing changed upstream). Returns distinct `as_of_date`.
    """
    if not windows:
        raise ValueError("altered_snapshots needs at least one frame of windows, for its Spark session")
    spans = windows[0].select(FIRST_DAY, LAST_DAY)
    for frame in windows[1:]:
        spans = spans.unionByName(frame.select(FIRST_DAY, LAST_DAY))
    spans = spans.where(F.col(FIRST_DAY).isNotNull()).distinct()
    spark = windows[0].sparkSession
    as_of = F.col(AS_OF_DATE)
    inside = (as_of >= F.col(FIRST_DAY)) & (F.col(LAST_DAY).isNull() | (as_of <= F.col(LAST_DAY)))
    altered = dates_frame(spark, ctx.snapshot_dates).join(F.broadcast(spans), inside, "left_semi")
    always = dates_frame(spark, (ctx.as_of, *extra))
    return altered.unionByName(always).distinct()


def value_as_of(dates: DataFrame, orders: DataFrame, order_items: DataFrame) -> DataFrame:
    """Per customer and as_of_date: what the customer's counted orders placed on or before that day add up to.

    Needs `dates` (as_of_date) and the inputs of `order_totals`. Returns customer_id, as_of_date,
    `orders` (BIGINT), `value` (DECIMAL(18,2)), `first_order_date` and `last_order_date` (by
    order_date). A customer without a counted order on or before a date has no row for it: that is
    who the as-of tables hold.
    """
    daily = (
        counted_orders(order_totals(orders, order_items))
        .groupBy(CUSTOMER_ID, ORDER_DATE)
        .agg(F.count(F.lit(1)).alias("orders"), F.sum(TOTAL).alias("value"))
    )
    # Orders are summed per customer and day first, so the range join multiplies days, not orders.
    joined = daily.join(F.broadcast(dates), F.col(ORDER_DATE) <= F.col(AS_OF_DATE))
    return joined.groupBy(CUSTOMER_ID, AS_OF_DATE).agg(
        F.sum("orders").alias("orders"),
        F.sum("value").cast(MONEY).alias("value"),
        F.min(ORDER_DATE).alias("first_order_date"),
        F.max(ORDER_DATE).alias("last_order_date"),
    )


def value_affected(ctx: GoldContext, changes: Inputs, inputs: Inputs) -> DataFrame:
    """`affected` of the as-of tables built on `value_as_of` (rfm_segments, clv).

    An order changed on order_date d (either image of an update, or a delete) alters every
    snapshot of `ctx.snapshot_dates` with as_of_date >= d; a changed order line alters those of
    its order's date, looked up in the current orders and this batch's order changes
    (`with_order_dates`). `ctx.as_of` is always affected. Returns distinct `as_of_date`.
    """
    lines = with_order_dates(changes.order_items, (inputs.orders, changes.orders))
    windows = (changes.orders.select(*altered_window(ORDER_DATE)), lines.select(*altered_window(ORDER_DATE)))
    return altered_snapshots(ctx, windows)
