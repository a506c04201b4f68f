"""gold conversion_funnel: per day and top-level category, the sessions that viewed, carted and
purchased, with step rates, and the carts of the cart stream that were abandoned.

A session counts at most once per step in each (day, category): a session that views two
categories counts in both, and one that crosses midnight counts on each day it has that step.
Events without a category fall under 'unknown'.

Cart abandonment comes from the web shop's cart stream (silver cart_events): a user with an `add`
action for a product of a category on a day has a cart there; the cart is abandoned when the
clickstream (silver events) has no purchase by that user in that category on that day. The cart
product's category is its catalogue category (silver dim_product), 'unknown' for a product the
catalogue does not hold. Removals do not empty a cart here: an add followed by a remove and no
purchase still counts as abandoned.

Scoped by day: a day's rows depend only on that day's events, and silver events are clustered by
`event_date`, so a batch reads the files of the days it touches and rewrites their rows.
"""

from __future__ import annotations

from collections.abc import Callable

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.gold.contract import GoldContext, Inputs
from lakehouse.gold.event_days import EVENT_DATE, changed_days, on_days

EVENT_TYPE = "event_type"
CATEGORY = "category_l1"
SESSION = "user_session"
USER = "user_id"
PRODUCT = "product_id"
ACTION = "action"
ADD_ACTION = "add"
UNKNOWN_CATEGORY = "unknown"

SCOPE = (EVENT_DATE,)

STEP_COLUMNS = (
    EVENT_DATE,
    CATEGORY,
    "sessions_viewed",
    "sessions_carted",
    "sessions_purchased",
    "view_to_cart_rate",
    "cart_to_purchase_rate",
    "view_to_purchase_rate",
)
"""What `funnel` produces: the clickstream's steps."""
CART_COLUMNS = ("carting_users", "abandoned_carts", "cart_abandonment_rate")
"""What the cart stream adds (`cart_abandonment`, `with_cart_abandonment`)."""
COLUMNS = (*STEP_COLUMNS, *CART_COLUMNS)
_COUNTS = ("sessions_viewed", "sessions_carted", "sessions_purchased", "carting_users", "abandoned_carts")
_PURCHASED = "_purchased"


def build(ctx: GoldContext, inputs: Inputs, scope: DataFrame | None = None) -> DataFrame:
    """The rows of the days in `scope` (an `event_date` frame), or of every day.

    Needs: events (event_date, event_type, category_l1, user_session, user_id), cart_events
    (event_date, action, product_id, user_id), dim_product (product_id, category_l1). Produces
    COLUMNS, one row per day and category with any event or cart; rates are null when their
    denominator is 0 and may exceed 1 (a session may purchase without a cart event in that day and
    category).
    """
    events = on_days(inputs.events, scope)
    carts = cart_abandonment(on_days(inputs.cart_events, scope), inputs.dim_product, events)
    return events.transform(funnel).transform(with_cart_abandonment(carts))


def funnel(events: DataFrame) -> DataFrame:
    """Sessions per funnel step, day and category. Needs: event_date, event_type, category_l1,
    user_session. Produces COLUMNS."""

    def sessions_with(event_type: str) -> F.Column:
        # count_distinct skips the nulls `when` gives other event types.
        return F.count_distinct(F.when(F.col(EVENT_TYPE) == event_type, F.col(SESSION)))

    return (
        events.groupBy(F.col(EVENT_DATE), _category())
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
        .select(*STEP_COLUMNS)
    )


def _category() -> F.Column:
    return F.coalesce(F.col(CATEGORY), F.lit(UNKNOWN_CATEGORY)).alias(CATEGORY)


def cart_abandonment(cart_events: DataFrame, products: DataFrame, events: DataFrame) -> DataFrame:
    """Carts of the cart stream and how many were abandoned, per day and category.

    Needs: cart_events (event_date, action, product_id, user_id), products (product_id, category_l1),
    events (event_date, event_type, category_l1, user_id). Produces event_date, category_l1,
    carting_users (users with an `add` there), abandoned_carts (those of them without a purchase
    event in the same day and category)."""
    # One row per (day, category, user) by grouping, not distinct(): the pipeline's Spark Connect planner
    # analyses a distinct()'s input when the flow is registered, before the silver datasets exist.
    carts = (
        cart_events.where(F.col(ACTION) == ADD_ACTION)
        .join(products.select(PRODUCT, CATEGORY), PRODUCT, "left")
        .groupBy(F.col(EVENT_DATE), _category(), F.col(USER))
        .agg(F.count(F.lit(1)).alias("_adds"))
    )
    purchases = (
        events.where(F.col(EVENT_TYPE) == "purchase")
        .groupBy(F.col(EVENT_DATE), _category(), F.col(USER))
        .agg(F.lit(True).alias(_PURCHASED))
    )
    return (
        carts.join(purchases, [EVENT_DATE, CATEGORY, USER], "left")
        .groupBy(EVENT_DATE, CATEGORY)
        .agg(
            F.count(F.lit(1)).alias("carting_users"),
            F.count(F.when(F.col(_PURCHASED).isNull(), 1)).alias("abandoned_carts"),
        )
    )


def with_cart_abandonment(carts: DataFrame) -> Callable[[DataFrame], DataFrame]:
    """Adds CART_COLUMNS to `funnel`'s rows from `cart_abandonment`'s rows; a day and category with
    only one of the two gets 0 for the other's counts (and null rates). Produces COLUMNS."""

    def transform(steps: DataFrame) -> DataFrame:
        return (
            steps.join(carts, [EVENT_DATE, CATEGORY], "full")
            .withColumns({c: F.coalesce(F.col(c), F.lit(0)) for c in _COUNTS})
            .withColumn(
                "cart_abandonment_rate", F.try_divide(F.col("abandoned_carts"), F.col("carting_users"))
            )
            .select(*COLUMNS)
        )

    return transform


def affected(ctx: GoldContext, changes: Inputs, inputs: Inputs) -> DataFrame:
    """Days of any changed event or cart event (before and after images alike), and the cart days of
    products whose catalogue values changed (their category may have moved)."""
    products = changes.dim_product.select(PRODUCT).distinct()
    recategorised = inputs.cart_events.join(products, PRODUCT, "left_semi")
    return (
        changed_days(changes.events)
        .unionByName(changed_days(changes.cart_events))
        .unionByName(changed_days(recategorised))
        .distinct()
    )
