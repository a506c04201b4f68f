"""gold churn_features: per customer and date, features for churn models and the churn label.

Rows: one per customer and snapshot date (`as_of_date`), for the customers with at least one order
placed (order_date) on or before as_of_date that counts towards customer value
(`order_value.is_counted_order`: not canceled or unavailable), the same customers as rfm_segments
and clv: churn is about buyers, and someone who never bought cannot stop buying. So
days_since_last_purchase, declared nullable, is never null here.

Features look only at data on or before as_of_date. "The last n days" are the n days ending with
as_of_date (as_of_date - n + 1 to as_of_date):
- days_since_last_purchase: as_of_date - the latest counted order_date;
- orders_90d: counted orders of the last 90 days; orders_prev_90d: of the 90 days before those
  (as_of_date - 179 to as_of_date - 90); purchase_trend: orders_90d - orders_prev_90d;
- tickets_90d: tickets opened (created_at day) in the last 90 days; a ticket without created_at is
  in no snapshot;
- open_tickets: tickets opened on or before as_of_date and still open on that day. Silver keeps only
  a ticket's latest status, so a ticket counts as open on as_of_date unless it is solved or closed
  now (`order_value.is_open_ticket`) by a change (updated_at) made on or before as_of_date; a ticket
  solved later was open then. Past snapshots thus do not learn of later resolutions;
- sessions_30d: web sessions (session_date) of the last 30 days of the customer's shop user id, while
  a profile version named it (`identity.by_customer`, by session_start).

Label, with horizon = `ctx.churn_horizon_days` (also the horizon_days column): churned is NULL
while the horizon is not over as of the run's latest day (as_of_date + horizon > `ctx.as_of`),
otherwise TRUE when the customer has no counted order with order_date in
(as_of_date, as_of_date + horizon], FALSE when they have one. The label is the only value that looks
past as_of_date.

SCOPE is as_of_date. `affected` returns `ctx.as_of`, the snapshots a change can alter (an order on
day d: features from d on, and the decided labels of d - horizon to d - 1; a ticket opened on day c:
from c on; a session on day s: s to s + 29) and the snapshots whose label became decidable since the
previous run (as_of_date + horizon in (`ctx.previous_as_of`, `ctx.as_of`]; every decidable one when
there was none). An undecided label is NULL whatever orders follow, so an order of today leaves the
last `horizon` days of snapshots alone: a daily run rebuilds today's snapshot and the one whose
label is decided today, not the whole horizon.
"""

from __future__ import annotations

from datetime import date, timedelta

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lakehouse.gold.contract import CHANGE_TYPE, GoldContext, Inputs
from lakehouse.gold.identity import by_customer, shop_user_links
from lakehouse.gold.order_value import (
    AS_OF_DATE,
    CUSTOMER_ID,
    LAST_DAY,
    ORDER_DATE,
    altered_snapshots,
    altered_window,
    counted_orders,
    is_open_ticket,
    snapshot_dates,
)

SCOPE = (AS_OF_DATE,)

ORDER_WINDOW_DAYS = 90
"""Days of orders_90d, and of orders_prev_90d before them."""
TICKET_WINDOW_DAYS = 90
SESSION_WINDOW_DAYS = 30

SESSION_DATE = "session_date"
CREATED_DAY = "_created_day"
UPDATED_DAY = "_updated_day"


def _days_back(day: str) -> Column:
    """Days from `day` back to as_of_date: 0 on as_of_date itself, negative after it."""
    return F.datediff(F.col(AS_OF_DATE), F.col(day))


def _within(day: str, first_back: int, last_back: int) -> Column:
    return _days_back(day).between(first_back, last_back)


def decidable_dates(ctx: GoldContext) -> tuple[date, ...]:
    """Snapshot dates of `ctx` whose label became decidable in this run.

    Those with as_of_date + horizon in (previous_as_of, as_of]; without a previous run, every
    snapshot whose horizon is over.
    """
    horizon = timedelta(days=ctx.churn_horizon_days)
    return tuple(
        day
        for day in ctx.snapshot_dates
        if day + horizon <= ctx.as_of and (ctx.previous_as_of is None or day + horizon > ctx.previous_as_of)
    )


def build(ctx: GoldContext, inputs: Inputs, scope: DataFrame | None = None) -> DataFrame:
    """churn_features rows of the snapshots in `scope` (as_of_date), or of every date of `ctx`.

    Needs orders (customer_id, order_status, order_date), support_tickets (customer_id, status,
    created_at, updated_at), sessions (user_id, session_start, session_date) and dim_customer
    (customer_id, shop_user_id, effective_from, effective_to). Returns the catalogue's columns.
    """
    horizon = ctx.churn_horizon_days
    dates = F.broadcast(snapshot_dates(ctx, inputs.orders.sparkSession, scope))

    daily_orders = (
        counted_orders(inputs.orders).groupBy(CUSTOMER_ID, ORDER_DATE).agg(F.count(F.lit(1)).alias("n"))
    )
    # Orders of the label's horizon after as_of_date join too; the features filter them out again.
    orders = (
        daily_orders.join(dates, _days_back(ORDER_DATE) >= -horizon)
        .groupBy(CUSTOMER_ID, AS_OF_DATE)
        .agg(
            F.max(F.when(_days_back(ORDER_DATE) >= 0, F.col(ORDER_DATE))).alias("last_order_date"),
            F.sum(F.when(_within(ORDER_DATE, 0, ORDER_WINDOW_DAYS - 1), F.col("n"))).alias("orders_90d"),
            F.sum(
                F.when(_within(ORDER_DATE, ORDER_WINDOW_DAYS, 2 * ORDER_WINDOW_DAYS - 1), F.col("n"))
            ).alias("orders_prev_90d"),
            F.sum(F.when(_within(ORDER_DATE, -horizon, -1), F.col("n"))).alias("orders_in_horizon"),
        )
        .where(F.col("last_order_date").isNotNull())
    )

    tickets = (
        inputs.support_tickets.select(
            CUSTOMER_ID,
            F.to_date("created_at").alias(CREATED_DAY),
            F.to_date("updated_at").alias(UPDATED_DAY),
            is_open_ticket().alias("_open_now"),
        )
        .join(dates, _days_back(CREATED_DAY) >= 0)
        .groupBy(CUSTOMER_ID, AS_OF_DATE)
        .agg(
            F.count(F.when(_within(CREATED_DAY, 0, TICKET_WINDOW_DAYS - 1), 1)).alias("tickets_90d"),
            F.count(F.when(F.col("_open_now") | (_days_back(UPDATED_DAY) < 0), 1)).alias("open_tickets"),
        )
    )

    sessions = (
        by_customer(
            inputs.sessions, shop_user_links(inputs.dim_customer), "session_start", keep=(SESSION_DATE,)
        )
        .join(dates, _within(SESSION_DATE, 0, SESSION_WINDOW_DAYS - 1))
        .groupBy(CUSTOMER_ID, AS_OF_DATE)
        .agg(F.count(F.lit(1)).alias("sessions_30d"))
    )

    keys = [CUSTOMER_ID, AS_OF_DATE]
    joined = orders.join(tickets, keys, "left").join(sessions, keys, "left")
    zero = F.lit(0).cast("bigint")
    orders_90d = F.coalesce("orders_90d", zero)
    orders_prev_90d = F.coalesce("orders_prev_90d", zero)
    undecided = F.date_add(F.col(AS_OF_DATE), horizon) > F.lit(ctx.as_of)
    churned = F.when(undecided, F.lit(None).cast("boolean")).otherwise(
        F.coalesce(F.col("orders_in_horizon"), zero) == 0
    )
    return joined.select(
        CUSTOMER_ID,
        AS_OF_DATE,
        _days_back("last_order_date").alias("days_since_last_purchase"),
        orders_90d.alias("orders_90d"),
        orders_prev_90d.alias("orders_prev_90d"),
        (orders_90d - orders_prev_90d).cast("double").alias("purchase_trend"),
        F.coalesce("tickets_90d", zero).alias("tickets_90d"),
        F.coalesce("open_tickets", zero).alias("open_tickets"),
        F.coalesce("sessions_30d", zero).alias("sessions_30d"),
        F.lit(horizon).cast("int").alias("horizon_days"),
        churned.alias("churned"),
    )


def decided_labels_window(ctx: GoldContext, order_date: str) -> list[Column]:
    """The snapshots whose decided label an order on `order_date` can flip: as_of_date in
    [d - horizon, d - 1] and no later than the last decided one (`ctx.as_of` - horizon). The window
    is empty (first day after last day) when none of those labels is decided yet."""
    horizon = ctx.churn_horizon_days
    last_decided = F.lit(ctx.as_of - timedelta(days=horizon))
    first, _ = altered_window(order_date, -horizon)
    return [first, F.least(F.date_add(F.col(order_date), -1), last_decided).alias(LAST_DAY)]


def affected(ctx: GoldContext, changes: Inputs, inputs: Inputs) -> DataFrame:
    """The snapshots (as_of_date) `changes` can alter, those whose label became decidable, and `ctx.as_of`.

    Every change row counts, whatever its `_change_type` (both images of an update, deletes):
    - an order on order_date d: from d on (features), and d - horizon to d - 1 through the label,
      but only snapshots whose label is decided (as_of_date + horizon <= `ctx.as_of`);
    - a ticket opened on day c: from c on (tickets_90d and open_tickets);
    - a session on session_date s: s to s + 29 (sessions_30d);
    - a profile version effective from day e (inserted, or closed by a newer one on day e): from e
      on, as it links the customer to a shop user from then.
    """
    windows = (
        changes.orders.select(*altered_window(ORDER_DATE)),
        changes.orders.select(*decided_labels_window(ctx, ORDER_DATE)),
        changes.support_tickets.select(*altered_window(F.to_date("created_at"))),
        changes.sessions.select(*altered_window(SESSION_DATE, 0, SESSION_WINDOW_DAYS - 1)),
        # An inserted or deleted version links from its effective_from; an update's post-image closes the
        # version on effective_to; its pre-image only repeats it.
        changes.dim_customer.where(F.col(CHANGE_TYPE) != "update_preimage").select(
            *altered_window(
                F.to_date(
                    F.coalesce(
                        F.when(F.col(CHANGE_TYPE) == "update_postimage", F.col("effective_to")),
                        F.col("effective_from"),
                    )
                )
            )
        ),
    )
    return altered_snapshots(ctx, windows, decidable_dates(ctx))
