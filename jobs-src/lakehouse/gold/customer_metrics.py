"""gold customer_metrics: one row per shop user with activity span, sessions, funnel counts, revenue
and favourite category.

Scoped by user: a user's row depends only on that user's events and sessions, so a batch rebuilds
the users it touches. Neither input is clustered by user, so the scoped read is a semi-join on
`user_id` rather than a file-pruning filter; its cost is one pass over the inputs, and the
aggregation and the rewritten gold rows follow the batch.

Every event metric comes from silver events in one aggregation; `sessions` counts the user's rows
of silver sessions, the table that owns the session definition (a session is one user's).
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.gold.contract import GoldContext, Inputs

USER_ID = "user_id"
EVENT_TIME = "event_time"
EVENT_TYPE = "event_type"
CATEGORY = "category_l1"
PRICE = "price"
SESSION = "user_session"

SCOPE = (USER_ID,)

COLUMNS = (
    USER_ID,
    "first_seen",
    "last_seen",
    "sessions",
    "views",
    "carts",
    "purchases",
    "revenue",
    "avg_order_value",
    "favourite_category",
)


def build(ctx: GoldContext, inputs: Inputs, scope: DataFrame | None = None) -> DataFrame:
    """The metrics of the users in `scope` (a `user_id` frame), or of every user with events.

    Needs: events (user_id, event_time, event_type, category_l1, price) and sessions (user_id,
    user_session). Produces COLUMNS. A user without events has no row, even with sessions: there
    is no first_seen to report.
    """
    events, sessions = inputs.events, inputs.sessions
    if scope is not None:
        users = scope.select(USER_ID).distinct()
        events = events.join(users, USER_ID, "left_semi")
        sessions = sessions.join(users, USER_ID, "left_semi")
    return (
        per_user(events)
        .join(session_counts(sessions), USER_ID, "left")
        .withColumn("sessions", F.coalesce(F.col("sessions"), F.lit(0)))
        .select(*COLUMNS)
    )


def per_user(events: DataFrame) -> DataFrame:
    """Event metrics per user. Needs: user_id, event_time, event_type, category_l1, price.
    Produces every column of COLUMNS but `sessions`.

    `favourite_category` is the category_l1 with most events; a tie goes to the alphabetically first.
    Events without a category do not take part, and it is null when none of the user's events has
    one: 'unknown' is not a category a user could favour.
    """

    def count_of(event_type: str) -> F.Column:
        return F.count(F.when(F.col(EVENT_TYPE) == event_type, 1))

    # One pass per (user, category) carries everything, so favourite needs no second scan or window.
    per_category = events.groupBy(USER_ID, CATEGORY).agg(
        F.count(F.lit(1)).alias("events"),
        F.min(EVENT_TIME).alias("first_seen"),
        F.max(EVENT_TIME).alias("last_seen"),
        count_of("view").alias("views"),
        count_of("cart").alias("carts"),
        count_of("purchase").alias("purchases"),
        F.sum(F.when(F.col(EVENT_TYPE) == "purchase", F.col(PRICE))).alias("revenue"),
    )
    # The smallest (-events, category) is the most events, then the alphabetically first category.
    ranked = F.when(F.col(CATEGORY).isNotNull(), F.struct((-F.col("events")).alias("rank"), F.col(CATEGORY)))
    return (
        per_category.groupBy(USER_ID)
        .agg(
            F.min("first_seen").alias("first_seen"),
            F.max("last_seen").alias("last_seen"),
            F.sum("views").alias("views"),
            F.sum("carts").alias("carts"),
            F.sum("purchases").alias("purchases"),
            F.coalesce(F.sum("revenue"), F.lit(0)).alias("revenue"),
            F.min(ranked).getField(CATEGORY).alias("favourite_category"),
        )
        .withColumn("avg_order_value", F.round(F.try_divide(F.col("revenue"), F.col("purchases")), 2))
    )


def session_counts(sessions: DataFrame) -> DataFrame:
    """Sessions per user. Needs: user_id, user_session. Produces user_id, sessions."""
    return sessions.groupBy(USER_ID).agg(F.count_distinct(SESSION).alias("sessions"))


def affected(ctx: GoldContext, changes: Inputs, inputs: Inputs) -> DataFrame:
    """Users of any changed event or session row, before and after images alike: an event moved
    from one user to another changes both users' rows."""
    return changes.events.select(USER_ID).unionByName(changes.sessions.select(USER_ID)).distinct()
